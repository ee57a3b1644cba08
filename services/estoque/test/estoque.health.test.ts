/**
 * estoque's operational routes against its real database (databaseUrl(t, 'estoque') of the test stack):
 * /health, /ready, the 404 JSON body of an unknown route and its config (@brigadeiro/testing describeOperationalRoutes).
 */
import { createFaultState } from '@brigadeiro/chaos';
import { Downstream } from '@brigadeiro/http-client';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { describeOperationalRoutes } from '@brigadeiro/testing';
import { loadTopology, serviceUrl } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/data/database';

const t = loadTopology();
const quiet = createLogger({ service: 'estoque', level: 'silent' });
const opened: Database[] = [];
const catalogos: Downstream[] = [];

function appOn(url: string) {
  const database = openDatabase(url, { max: 2 });
  opened.push(database);
  const catalogo = new Downstream({ name: 'catalogo', baseURL: serviceUrl(t, 'catalogo') });
  catalogos.push(catalogo);
  return createApp({
    logger: quiet,
    metrics: createMetrics({ service: 'estoque' }),
    database,
    catalogo,
    faults: createFaultState({ service: 'estoque' }),
    adminToken: t.adminToken,
  });
}

afterAll(async () => {
  for (const c of catalogos) c.shutdown();
  await Promise.all(opened.map((d) => d.close()));
});

describeOperationalRoutes({ service: 'estoque', appOn, loadConfig });
