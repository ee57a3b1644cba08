/**
 * carrinho's app: the cart API on the service defaults. Never listens (main.ts does), so tests build as
 * many instances as they like against one Redis. Every response, errors and /health included, carries
 * X-Served-By: <INSTANCE_ID>, which is how a client (or a test) sees which instance answered.
 */
import express, { type Express } from 'express';
import type Redis from 'ioredis';
import type { Downstream } from '@brigadeiro/http-client';
import type { Logger } from '@brigadeiro/logger';
import { Counter, type Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Config } from './config';
import { CarrinhoRepository } from './data/carrinho-repository';
import { CatalogoClient } from './data/catalogo-client';
import { CarrinhoService } from './domain/carrinho';
import { CARRINHOS_PATH, carrinhosRouter } from './routes/carrinhos.router';

export type AppConfig = Pick<
  Config,
  | 'SERVICE_NAME'
  | 'INSTANCE_ID'
  | 'CART_TTL_SECONDS'
  | 'REDIS_HOLD_MS'
  | 'CART_MAX_ITEMS'
  | 'ITEM_MAX_QUANTITY'
  | 'BODY_LIMIT_BYTES'
  | 'CATALOGO_CACHE_TTL_MS'
  | 'CATALOGO_CACHE_MAX_ENTRIES'
>;

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  metrics: Metrics;
  /** Shared by nothing else in this process; its owner (main.ts or a test) closes it. */
  redis: Redis;
  /** The catalogo client with its breaker (see buildCatalogo in main.ts). */
  catalogo: Downstream;
}

const UNVERIFIED_METRIC = 'carrinho_items_unverified_total';

function unverifiedCounter(metrics: Metrics): Counter {
  const existing = metrics.registry.getSingleMetric(UNVERIFIED_METRIC);
  if (existing) return existing as Counter;
  return new Counter({
    name: UNVERIFIED_METRIC,
    help: 'Items accepted without catalogo verification (catalogo down, slow or breaker open)',
    registers: [metrics.registry],
  });
}

export function createApp(deps: AppDeps): Express {
  const { config, logger, metrics } = deps;
  const instance = config.INSTANCE_ID ?? config.SERVICE_NAME;
  const repo = new CarrinhoRepository(deps.redis, {
    ttlSeconds: config.CART_TTL_SECONDS,
    maxItems: config.CART_MAX_ITEMS,
    maxQuantity: config.ITEM_MAX_QUANTITY,
    holdMs: config.REDIS_HOLD_MS,
  });
  const unverified = unverifiedCounter(metrics);
  const service = new CarrinhoService({
    repo,
    catalogo: new CatalogoClient(deps.catalogo, { ttlMs: config.CATALOGO_CACHE_TTL_MS, maxEntries: config.CATALOGO_CACHE_MAX_ENTRIES }),
    maxQuantity: config.ITEM_MAX_QUANTITY,
    maxItems: config.CART_MAX_ITEMS,
    onNaoVerificado: (produtoId, motivo) => {
      unverified.inc();
      logger.warn({ produto_id: produtoId, motivo, breaker: deps.catalogo.state }, 'catalogo unavailable: item accepted unverified');
    },
  });

  const inner = createServiceApp(
    {
      service: config.SERVICE_NAME,
      logger,
      metrics,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      readiness: { redis: () => repo.ping() },
    },
    (app) => {
      app.use(CARRINHOS_PATH, carrinhosRouter(service, { maxQuantity: config.ITEM_MAX_QUANTITY }));
    },
  );

  // The service defaults own the middleware order; an outer app is the one place that runs before all of it.
  const outer = express();
  outer.disable('x-powered-by');
  outer.set('etag', false);
  outer.use((_req, res, next) => {
    res.setHeader('X-Served-By', instance);
    next();
  });
  outer.use(inner);
  return outer;
}
