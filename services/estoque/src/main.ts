/** estoque's entry point: the only place that reads process.env, listens and handles signals. */
import { createFaultState } from '@brigadeiro/chaos';
import { Downstream } from '@brigadeiro/http-client';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { exitOnStartFailure, loadConfigOrExit, shutdownOnSignal, startServer } from '@brigadeiro/service-defaults';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { openDatabase } from './data/database';

async function main(config: Config): Promise<void> {
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const logger = createLogger({ service: config.SERVICE_NAME, instance, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance });
  const database = openDatabase(config.DATABASE_URL, {
    max: config.DATABASE_POOL_MAX,
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed; the pool will replace it'),
  });
  const faults = createFaultState({ service: config.SERVICE_NAME, metrics, logger });
  const catalogo = new Downstream(
    { name: 'catalogo', baseURL: config.CATALOGO_URL, timeoutMs: config.ESTOQUE_CATALOGO_TIMEOUT_MS, resetTimeoutMs: config.ESTOQUE_CATALOGO_RESET_MS },
    { metrics, logger },
  );
  const app = createApp({ logger, metrics, database, catalogo, faults, adminToken: config.ADMIN_TOKEN, bodyLimitBytes: config.BODY_LIMIT_BYTES });
  const server = await startServer(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    closers: [async () => catalogo.shutdown(), () => database.close()],
  });
  // Requests held by an injected hang would otherwise keep the drain waiting until the forced exit.
  const stop = shutdownOnSignal(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS, beforeDrain: () => faults.close() });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const config = loadConfigOrExit('estoque', () => loadConfig(process.env));
main(config).catch(exitOnStartFailure('estoque'));
