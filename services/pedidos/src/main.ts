/** pedidos' entry point: the only place that reads process.env, listens and handles signals. */
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { exitOnStartFailure, loadConfigOrExit, shutdownOnSignal, startServer } from '@brigadeiro/service-defaults';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { openDatabase } from './data/database';
import { montarPedidos } from './wiring';

async function main(config: Config): Promise<void> {
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const logger = createLogger({ service: config.SERVICE_NAME, instance, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance });
  const database = openDatabase(config.DATABASE_URL, {
    max: config.DATABASE_POOL_MAX,
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed; the pool will replace it'),
  });
  const pedidos = montarPedidos(
    {
      urls: {
        catalogo: config.CATALOGO_URL,
        carrinho: config.CARRINHO_URL,
        pagamentos: config.PAGAMENTOS_URL,
        estoque: config.ESTOQUE_URL,
        fiscal: config.FISCAL_URL,
        logistica: config.LOGISTICA_URL,
      },
      breaker: {
        timeoutMs: config.DOWNSTREAM_TIMEOUT_MS,
        volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
        errorThresholdPercentage: config.BREAKER_ERROR_PERCENT,
        resetTimeoutMs: config.BREAKER_RESET_MS,
      },
      worker: { intervaloMs: config.WORKER_POLL_MS, backoffMs: config.WORKER_BACKOFF_MS, backoffMaxMs: config.WORKER_BACKOFF_MAX_MS },
      retomarEmMs: config.CHECKOUT_RESUME_AFTER_MS,
      prazoCheckoutMs: config.CHECKOUT_DEADLINE_MS,
    },
    { database, logger, metrics },
  );
  const app = createApp({ logger, metrics, database, pedidos, adminToken: config.ADMIN_TOKEN, bodyLimitBytes: config.BODY_LIMIT_BYTES });
  const server = await startServer(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    // The worker stops first (finishing the task in hand), then the breakers, then the pool.
    closers: [() => pedidos.close(), () => database.close()],
  });
  pedidos.trabalhador.start();
  const stop = shutdownOnSignal(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const config = loadConfigOrExit('pedidos', () => loadConfig(process.env));
main(config).catch(exitOnStartFailure('pedidos'));
