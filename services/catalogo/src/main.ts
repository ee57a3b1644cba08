/** catalogo's entry point: the only place that reads process.env, listens and handles signals. */
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { exitOnStartFailure, loadConfigOrExit, shutdownOnSignal, startServer } from '@brigadeiro/service-defaults';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { closeCatalogoDb, createCatalogoDb, databaseChecks } from './data/clientes';

async function main(config: Config): Promise<void> {
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const logger = createLogger({ service: config.SERVICE_NAME, instance, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance });
  const db = createCatalogoDb({
    writeUrl: config.DATABASE_URL,
    readUrl: config.DATABASE_READ_URL,
    poolMax: config.DATABASE_POOL_MAX,
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed; the pool will replace it'),
  });
  // The first query loads Prisma's query compiler (~0.5 s): pay it before listening, not in the first /ready.
  const warm = await Promise.allSettled(Object.values(databaseChecks(db)).map((check) => check()));
  if (warm.some((w) => w.status === 'rejected')) logger.warn('a database endpoint did not answer at start; /ready will say which');
  const app = createApp({ logger, metrics, db, adminToken: config.ADMIN_TOKEN, bodyLimitBytes: config.BODY_LIMIT_BYTES });
  const server = await startServer(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    closers: [() => closeCatalogoDb(db)],
  });
  const stop = shutdownOnSignal(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const config = loadConfigOrExit('catalogo', () => loadConfig(process.env));
main(config).catch(exitOnStartFailure('catalogo'));
