/**
 * pedidos' HTTP app (the checkout orchestrator). Never listens: main.ts (or a test) does, with the dependencies it built.
 * Routes: POST /api/v1/pedidos, GET /api/v1/pedidos/:id, GET /admin/disjuntores (admin), plus the service defaults
 * (/health, /ready on its own database, /metrics with the breaker states).
 */
import type { Express } from 'express';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Database } from './data/database';
import { adminRouter } from './routes/admin.router';
import { PEDIDOS_PATH, pedidosRouter } from './routes/pedidos.router';
import type { Pedidos } from './wiring';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
  /** The checkout, its repository and downstreams (wiring.ts `montarPedidos`). */
  pedidos: Pedidos;
  adminToken: string;
  bodyLimitBytes?: number;
}

export function createApp(deps: AppDeps): Express {
  return createServiceApp(
    {
      service: 'pedidos',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: { database: () => deps.database.ping() },
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use(PEDIDOS_PATH, pedidosRouter(deps.pedidos.checkout, deps.pedidos.repo));
      app.use(adminRouter(Object.values(deps.pedidos.downstreams), deps.pedidos.breaker, deps.adminToken));
    },
  );
}
