/** Redis is the cart service's own dependency: when it is unreachable the answer is a fast 503, never a 500. */
import Redis from 'ioredis';
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { closedPort } from '@brigadeiro/testing';
import { createApp } from '../src/app';
import { buildCatalogo } from '../src/data/catalogo-client';
import { loadConfig } from '../src/config';

describe('carrinho when Redis is unreachable', () => {
  it('when Redis cannot be reached, then cart routes answer 503 with Retry-After and /ready says not ready', async () => {
    const redisPort = await closedPort();
    const catalogoPort = await closedPort();
    const config = loadConfig({
      SERVICE_NAME: 'carrinho',
      INSTANCE_ID: 'carrinho-9',
      PORT: '0',
      ADMIN_TOKEN: 'test-admin-token',
      LOG_LEVEL: 'silent',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      CATALOGO_URL: `http://127.0.0.1:${catalogoPort}`,
    });
    const logger = createLogger({ service: 'carrinho', level: 'silent' });
    const metrics = createMetrics({ service: 'carrinho' });
    const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => undefined); // expected: nothing listens there
    const catalogo = buildCatalogo(config, { metrics, logger });
    const app = createApp({ config, logger, metrics, redis, catalogo });
    try {
      for (const res of [
        await request(app).post('/api/v1/carrinhos'),
        await request(app).get('/api/v1/carrinhos/7d1c2b9e-4f3a-4b6c-8d2e-1a2b3c4d5e6f'),
        await request(app).post('/api/v1/carrinhos/7d1c2b9e-4f3a-4b6c-8d2e-1a2b3c4d5e6f/itens').send({ produto_id: 1, quantidade: 1 }),
      ]) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.headers['x-served-by']).toBe('carrinho-9');
        expect(res.body).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('redis') });
      }
      const ready = await request(app).get('/ready').expect(503);
      expect(ready.body.checks.redis.ok).toBe(false);
    } finally {
      catalogo.shutdown();
      // a client that gave up is already closed; disconnect() would arm a 2 s destroy timer for nothing
      if (redis.status !== 'end') redis.disconnect();
    }
  });
});
