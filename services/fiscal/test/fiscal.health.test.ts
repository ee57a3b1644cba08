/**
 * fiscal's operational routes against its real database (databaseUrl(t, 'fiscal') of the test stack):
 * /health, /ready, the 404 JSON body of an unknown route and its config (@brigadeiro/testing describeOperationalRoutes).
 */
import { createFaultState } from '@brigadeiro/chaos';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { describeOperationalRoutes } from '@brigadeiro/testing';
import { loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { CNPJ_DEMO, loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/data/database';

const t = loadTopology();
const quiet = createLogger({ service: 'fiscal', level: 'silent' });
const opened: Database[] = [];

function appOn(url: string) {
  const database = openDatabase(url, { max: 2 });
  opened.push(database);
  return createApp({
    logger: quiet,
    metrics: createMetrics({ service: 'fiscal' }),
    database,
    faults: createFaultState({ service: 'fiscal' }),
    adminToken: t.adminToken,
    emitente: { uf: 'SP', cnpj: CNPJ_DEMO, serie: 1 },
  });
}

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
});

describeOperationalRoutes({ service: 'fiscal', appOn, loadConfig });
