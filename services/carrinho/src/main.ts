/**
 * carrinho's entry point: reads the environment (the one place that does), builds Redis and the catalogo
 * client, listens, and on SIGTERM/SIGINT drains in-flight requests before closing them.
 */
import Redis from 'ioredis';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { exitOnStartFailure, loadConfigOrExit, shutdownOnSignal, startServer } from '@brigadeiro/service-defaults';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { buildCatalogo } from './data/catalogo-client';
import { RIDE_THROUGH_OPTIONS } from './data/redis-hold';

/** QUIT when connected (lets pending replies arrive); a client that is down or gave up is just dropped. */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') return void redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}

async function main(config: Config): Promise<void> {
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const logger = createLogger({ service: config.SERVICE_NAME, instance, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance });
  // Commands wait for a reconnect in the repository's RedisHold (bounded by REDIS_HOLD_MS), not in ioredis.
  const redis = new Redis(config.REDIS_URL, RIDE_THROUGH_OPTIONS);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const catalogo = buildCatalogo(config, { metrics, logger });

  const app = createApp({ config, logger, metrics, redis, catalogo });
  const server = await startServer(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    closers: [async () => catalogo.shutdown(), () => closeRedis(redis)],
  });

  const stop = shutdownOnSignal(server, { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const config = loadConfigOrExit('carrinho', () => loadConfig(process.env));
main(config).catch(exitOnStartFailure('carrinho'));
