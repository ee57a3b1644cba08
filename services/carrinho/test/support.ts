/**
 * Test wiring: carrinho apps built with createApp against the REAL Redis of the test stack
 * (redisUrl(loadTopology())), and a fake catalogo: a real HTTP server on 127.0.0.1 whose answers the test
 * controls. Catalogo is outside the cart service, so faking it here is fair; the gateway e2e test uses
 * the real one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import Redis from 'ioredis';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics, type Metrics } from '@brigadeiro/metrics';
import { loadTopology, redisUrl, serviceEnv } from '@brigadeiro/topology';
import type { Downstream } from '@brigadeiro/http-client';
import { createApp } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import { buildCatalogo } from '../src/data/catalogo-client';
import { RIDE_THROUGH_OPTIONS } from '../src/data/redis-hold';

export interface FakeProduto {
  id: number;
  nome: string;
  preco: string | number;
  ativo?: boolean;
}

export type CatalogoMode = 'ok' | 'fail' | 'hang';

/** A catalogo stand-in: GET /api/v1/produtos/:id answers from `produtos` (404 if absent), or fails/hangs. */
export async function fakeCatalogo() {
  const state = {
    mode: 'ok' as CatalogoMode,
    produtos: new Map<number, FakeProduto>(),
    /** Product ids asked for, in order. */
    pedidos: [] as number[],
  };
  const server = http.createServer((req, res) => {
    const m = /^\/api\/v1\/produtos\/(\d+)$/.exec(req.url ?? '');
    if (m) state.pedidos.push(Number(m[1]));
    if (state.mode === 'hang') return; // never answers
    if (state.mode === 'fail') {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"status":500}');
      return;
    }
    const produto = m ? state.produtos.get(Number(m[1])) : undefined;
    if (!produto) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"status":404,"code":"not_found"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ estoque: 10, categoria: 'doces', ...produto }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    state,
    url,
    add(...produtos: FakeProduto[]) {
      for (const p of produtos) state.produtos.set(p.id, p);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeCatalogo = Awaited<ReturnType<typeof fakeCatalogo>>;

export interface TestApp {
  app: Express;
  config: Config;
  redis: Redis;
  metrics: Metrics;
  catalogo: Downstream;
  close(): Promise<void>;
}

/** One carrinho instance (INSTANCE_ID carrinho-<instance>) with its own Redis connection and breaker. */
export async function buildApp(opts: { catalogoUrl: string; instance?: number; env?: Record<string, string> }): Promise<TestApp> {
  const t = loadTopology();
  const config = loadConfig({
    ...serviceEnv(t, 'carrinho', opts.instance ?? 1),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CATALOGO_URL: opts.catalogoUrl,
    ...opts.env,
  });
  const logger = createLogger({ service: config.SERVICE_NAME, instance: config.INSTANCE_ID, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: config.SERVICE_NAME, instance: config.INSTANCE_ID });
  const redis = new Redis(config.REDIS_URL, { ...RIDE_THROUGH_OPTIONS, lazyConnect: true });
  await redis.connect();
  const catalogo = buildCatalogo(config, { metrics, logger });
  const app = createApp({ config, logger, metrics, redis, catalogo });
  return {
    app,
    config,
    redis,
    metrics,
    catalogo,
    async close() {
      catalogo.shutdown();
      await redis.quit();
    },
  };
}

/** A direct Redis connection for asserting on what the service stored. */
export async function testRedis(): Promise<Redis> {
  const redis = new Redis(redisUrl(loadTopology()), { lazyConnect: true });
  await redis.connect();
  return redis;
}

let nextProduto = 0;
/** A product id no other test in this run uses (so carts and fake products never collide). */
export function produtoId(): number {
  nextProduto += 1;
  return 100_000 + (process.pid % 10_000) * 100 + nextProduto;
}
