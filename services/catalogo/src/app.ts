/** catalogo's HTTP app. Never listens: main.ts (or a test) does, with the dependencies it built. */
import type { Express } from 'express';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import { createCatalogo } from './domain/catalogo';
import { databaseChecks, type CatalogoDb } from './data/clientes';
import { createCategoriasRepository } from './data/categorias.repository';
import { createProdutosRepository } from './data/produtos.repository';
import { createReservasRepository } from './data/reservas.repository';
import { createLeituras } from './routes/leituras';
import { catalogoRouter } from './routes/catalogo.router';
import { reservasRouter } from './routes/reservas.router';

export interface CatalogoDeps {
  logger: Logger;
  metrics: Metrics;
  /** `write` on DATABASE_URL (primary), `read` on DATABASE_READ_URL (replica). */
  db: CatalogoDb;
  adminToken: string;
  bodyLimitBytes?: number;
}

export function createApp(deps: CatalogoDeps): Express {
  const catalogo = createCatalogo(createProdutosRepository(deps.db), createCategoriasRepository(deps.db));
  const marcarLeitura = createLeituras(deps.metrics);
  return createServiceApp(
    {
      service: 'catalogo',
      logger: deps.logger,
      metrics: deps.metrics,
      readiness: databaseChecks(deps.db),
      ...(deps.bodyLimitBytes ? { bodyLimitBytes: deps.bodyLimitBytes } : {}),
    },
    (app) => {
      app.use('/api/v1', catalogoRouter(catalogo, marcarLeitura, deps.adminToken));
      // estoque's stock reservations: internal (the gateway never routes /internal), so no admin token.
      app.use(reservasRouter(createReservasRepository(deps.db)));
    },
  );
}
