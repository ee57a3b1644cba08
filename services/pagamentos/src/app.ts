/**
 * pagamentos' HTTP app (payment authorisation). Never listens: main.ts (or a test) does, with the dependencies
 * it built. Routes: /internal/v1/pagamentos (behind fault injection), /admin/falhas, plus the service defaults
 * (/health, /ready = its own database, /metrics).
 */
import type { Express } from 'express';
import { faultAdminRouter, faultInjection, type FaultState } from '@brigadeiro/chaos';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import type { Database } from './data/database';
import { PagamentosRepository } from './data/pagamentos.repository';
import { autorizadorSimulado, Pagamentos, type Autorizador, type Simulacao } from './domain/pagamentos';
import { pagamentosRouter } from './routes/pagamentos.router';
import { perfilAdminRouter } from './routes/perfil.admin.router';

export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  database: Database;
  faults: FaultState;
  adminToken: string;
  /** The simulated acquirer's latency and approval rate (or a whole Autorizador, for tests). */
  simulacao: Simulacao | Autorizador;
  bodyLimitBytes?: number;
}

export function createApp(deps: AppDeps): Express {
  const autorizador = 'decidir' in deps.simulacao ? deps.simulacao : autorizadorSimulado(deps.simulacao);
  const pagamentos = new Pagamentos(new PagamentosRepository(deps.database), autorizador);
  return createServiceApp(
    {
      service: 'pagamentos',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: { database: () => deps.database.ping() },
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use('/internal', faultInjection(deps.faults));
      app.use(pagamentosRouter(pagamentos));
      app.use(faultAdminRouter(deps.faults, deps.adminToken));
      app.use(perfilAdminRouter(deps.simulacao, deps.adminToken));
    },
  );
}
