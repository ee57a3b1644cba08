/**
 * fiscal's HTTP app (notas fiscais). Never listens: main.ts (or a test) does, with the dependencies it built.
 * Routes: /internal/v1/notas (behind fault injection), /admin/falhas, plus the service defaults
 * (/health, /ready = its own database, /metrics).
 */
import type { Express } from 'express';
import { faultAdminRouter, faultInjection, type FaultState } from '@brigadeiro/chaos';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Database } from './data/database';
import { NotasRepository } from './data/notas.repository';
import { Notas, type Emitente } from './domain/notas';
import { notasRouter } from './routes/notas.router';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
  faults: FaultState;
  adminToken: string;
  emitente: Emitente;
  bodyLimitBytes?: number;
}

export function createApp(deps: AppDeps): Express {
  const notas = new Notas(new NotasRepository(deps.database), deps.emitente);
  return createServiceApp(
    {
      service: 'fiscal',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: { database: () => deps.database.ping() },
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use('/internal', faultInjection(deps.faults));
      app.use(notasRouter(notas));
      app.use(faultAdminRouter(deps.faults, deps.adminToken));
    },
  );
}
