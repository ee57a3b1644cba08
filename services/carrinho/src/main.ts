/**
 * carrinho's entry point: reads the environment (the one place that does), builds Redis and the catalogo
 * client, listens, and on SIGTERM/SIGINT drains in-flight requests before closing them.
 */
import Redis from 'ioredis';
import { ConfigError } from '@brigadeiro/config';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { startServer } from '@brigadeiro/service-defaults';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { buildCatalogo } from './data/catalogo-client';

/** QUIT when connected (lets pending replies arrive); a client that is down or gave up is just dropped. */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') return void redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`carrinho: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const logger = createLogger({ service: config.SERVICE_NAME, instance, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance });
  // No offline queue: while Redis is down a command fails at once (-> 503) instead of waiting in memory.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
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

  const stop = (signal: string) => {
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000);
    force.unref();
    server.shutdown(signal).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`carrinho failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
