/**
 * carrinho across a lost Redis connection, against the test stack's real Redis (and a closed port for a
 * Redis that is not there): a command waits for the reconnect and is sent again, a change sent twice is
 * applied once, and past the hold the answer is a fast 503.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { closedPort } from '@brigadeiro/testing';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { cartKey } from '../src/data/carrinho-repository';
import { buildCatalogo } from '../src/data/catalogo-client';
import { RIDE_THROUGH_OPTIONS } from '../src/data/redis-hold';
import { buildApp, fakeCatalogo, produtoId, testRedis, type FakeCatalogo, type TestApp } from './support';

type Reply = (string | number)[];
type AddScript = (key: string, op: string, ...args: (string | number)[]) => Promise<Reply>;

describe('carrinho when its Redis connection is lost', () => {
  let catalogo: FakeCatalogo;
  let t: TestApp;
  let admin: Redis;

  beforeAll(async () => {
    catalogo = await fakeCatalogo();
    t = await buildApp({ catalogoUrl: catalogo.url });
    admin = await testRedis();
  });
  afterAll(async () => {
    await t.close();
    await admin.quit();
    await catalogo.close();
  });

  it('when the connection is killed under a request, then the request waits for the reconnect and succeeds', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Beijinho', preco: '3.50' });
    const { body: cart } = await request(t.app).post('/api/v1/carrinhos').expect(201);
    const clientId = Number(await t.redis.client('ID'));

    // Writes paused: the add is written to the connection and waits there, then the connection is killed.
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const add = request(t.app).post(`/api/v1/carrinhos/${cart.id}/itens`).send({ produto_id: p, quantidade: 2 });
    const pending = add.then((res) => res);
    await new Promise((r) => setTimeout(r, 100));
    await admin.call('CLIENT', 'KILL', 'ID', String(clientId));

    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.body.itens).toEqual([expect.objectContaining({ produto_id: p, quantidade: 2 })]);
    expect(Number(await t.redis.client('ID'))).not.toBe(clientId); // it did reconnect
    expect(await admin.hget(cartKey(cart.id), `q:${p}`)).toBe('2');
  });

  it('when an add is sent twice with one operation id (a resend after a lost reply), then the quantity grows once and both replies agree', async () => {
    const p = produtoId();
    const { body: cart } = await request(t.app).post('/api/v1/carrinhos').expect(201);
    const add = (t.redis as unknown as { carrinhoAdicionar: AddScript }).carrinhoAdicionar;
    const op = `carrinho-op:${randomUUID()}`;
    const args = [p, 3, 99, 50, 60_000, JSON.stringify({ v: false }), '0'];
    const first = await add.call(t.redis, cartKey(cart.id), op, ...args);
    const again = await add.call(t.redis, cartKey(cart.id), op, ...args);
    expect(first[0]).toBe('item_novo');
    expect(again[0]).toBe('item_novo');
    expect(await admin.hget(cartKey(cart.id), `q:${p}`)).toBe('3');
    // a new operation is a new change
    await add.call(t.redis, cartKey(cart.id), `carrinho-op:${randomUUID()}`, ...args);
    expect(await admin.hget(cartKey(cart.id), `q:${p}`)).toBe('6');
  });
});

describe('carrinho when Redis stays unreachable', () => {
  it('when Redis cannot be reached, then a request waits at most REDIS_HOLD_MS for it and answers 503, and once the outage is older than that, at once', async () => {
    const config = loadConfig({
      SERVICE_NAME: 'carrinho',
      INSTANCE_ID: 'carrinho-9',
      PORT: '0',
      ADMIN_TOKEN: 'test-admin-token',
      LOG_LEVEL: 'silent',
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      CATALOGO_URL: `http://127.0.0.1:${await closedPort()}`,
      REDIS_HOLD_MS: '600',
    });
    const logger = createLogger({ service: 'carrinho', level: 'silent' });
    const metrics = createMetrics({ service: 'carrinho' });
    const redis = new Redis(config.REDIS_URL, RIDE_THROUGH_OPTIONS); // keeps reconnecting, like the service's own
    redis.on('error', () => undefined); // expected: nothing listens there
    const catalogo = buildCatalogo(config, { metrics, logger });
    const app = createApp({ config, logger, metrics, redis, catalogo });
    try {
      const t0 = Date.now();
      const first = await request(app).get(`/api/v1/carrinhos/${randomUUID()}`);
      const firstMs = Date.now() - t0;
      expect(first.status).toBe(503);
      expect(first.headers['retry-after']).toBe('1');
      expect(first.body).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('redis') });
      expect(firstMs).toBeGreaterThanOrEqual(400); // it did wait for a reconnect
      expect(firstMs).toBeLessThan(3000);

      const t1 = Date.now();
      const later = await request(app).post('/api/v1/carrinhos');
      expect(later.status).toBe(503);
      expect(Date.now() - t1).toBeLessThan(300);
    } finally {
      catalogo.shutdown();
      redis.disconnect();
    }
  });
});
