/**
 * logistica's HTTP app (shipments). Never listens: main.ts (or a test) does, with the dependencies it built.
 * Routes: /internal/v1/envios (behind fault injection), /admin/falhas, plus the service defaults
 * (/health, /ready = its own database, /metrics).
 */
import type { Express } from 'express';
import { faultAdminRouter, faultInjection, type FaultState } from '@brigadeiro/chaos';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Database } from './data/database';
import { EnviosRepository } from './data/envios.repository';
import { Envios } from './domain/envios';
import { enviosRouter } from './routes/envios.router';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
  faults: FaultState;
  adminToken: string;
  /** S10 service indicator of the tracking codes. Default "BG". */
  prefixoRastreio?: string;
  bodyLimitBytes?: number;
}

export function createApp(deps: AppDeps): Express {
  const envios = new Envios(new EnviosRepository(deps.database), deps.prefixoRastreio ?? 'BG');
  return createServiceApp(
    {
      service: 'logistica',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: { database: () => deps.database.ping() },
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use('/internal', faultInjection(deps.faults));
      app.use(enviosRouter(envios));
      app.use(faultAdminRouter(deps.faults, deps.adminToken));
    },
  );
}
