/**
 * estoque's HTTP app (stock separation through catalogo). Never listens: main.ts (or a test) does, with the
 * dependencies it built. Routes: /internal/v1/separacoes (behind fault injection), /admin/falhas, plus the
 * service defaults (/health, /ready = its own database only, /metrics with catalogo's breaker state).
 */
import type { Express } from 'express';
import { faultAdminRouter, faultInjection, type FaultState } from '@brigadeiro/chaos';
import type { Downstream } from '@brigadeiro/http-client';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import { CatalogoReservas } from './data/catalogo.client';
import type { Database } from './data/database';
import { SeparacoesRepository } from './data/separacoes.repository';
import { Separacoes } from './domain/separacoes';
import { separacoesRouter } from './routes/separacoes.router';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
  /** catalogo, through its breaker (created with the same `metrics`, so its state shows on /metrics). */
  catalogo: Downstream;
  faults: FaultState;
  adminToken: string;
  bodyLimitBytes?: number;
}

export function createApp(deps: AppDeps): Express {
  const separacoes = new Separacoes(new SeparacoesRepository(deps.database), new CatalogoReservas(deps.catalogo));
  return createServiceApp(
    {
      service: 'estoque',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: { database: () => deps.database.ping() },
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use('/internal', faultInjection(deps.faults));
      app.use(separacoesRouter(separacoes));
      app.use(faultAdminRouter(deps.faults, deps.adminToken));
    },
  );
}
