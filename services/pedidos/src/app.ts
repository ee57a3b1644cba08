/**
 * pedidos' HTTP app (the checkout orchestrator). Never listens: main.ts (or a test) does, with the dependencies it built.
 * Skeleton: /health, /ready (its own database), /metrics and the 404/error handlers; its routes come later.
 */
import type { Express } from 'express';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Database } from './data/database';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
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
    () => {},
  );
}
