/**
 * pedidos' operational routes against its real database (databaseUrl(t, 'pedidos') of the test stack):
 * /health, /ready, the 404 JSON body of an unknown route and its config (@brigadeiro/testing describeOperationalRoutes).
 */
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { describeOperationalRoutes } from '@brigadeiro/testing';
import { loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/data/database';
import { montarPedidos, type Pedidos } from '../src/wiring';

const t = loadTopology();
const quiet = createLogger({ service: 'pedidos', level: 'silent' });
const opened: Database[] = [];
const montados: Pedidos[] = [];

function appOn(url: string) {
  const database = openDatabase(url, { max: 2 });
  opened.push(database);
  const metrics = createMetrics({ service: 'pedidos' });
  const u = 'http://127.0.0.1:1';
  const pedidos = montarPedidos(
    {
      urls: { catalogo: u, carrinho: u, pagamentos: u, estoque: u, fiscal: u, logistica: u },
      breaker: { timeoutMs: 500, volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 1000 },
    },
    { database, logger: quiet, metrics },
  );
  montados.push(pedidos);
  return createApp({ logger: quiet, metrics, database, pedidos, adminToken: t.adminToken });
}

afterAll(async () => {
  await Promise.all(montados.map((p) => p.close()));
  await Promise.all(opened.map((d) => d.close()));
});

describeOperationalRoutes({ service: 'pedidos', appOn, loadConfig });
