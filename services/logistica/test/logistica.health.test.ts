/**
 * logistica's operational routes against its real database (databaseUrl(t, 'logistica') of the test stack):
 * /health, /ready, the 404 JSON body of an unknown route and its config (@brigadeiro/testing describeOperationalRoutes).
 */
import { createFaultState } from '@brigadeiro/chaos';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { describeOperationalRoutes } from '@brigadeiro/testing';
import { loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/data/database';

const t = loadTopology();
const quiet = createLogger({ service: 'logistica', level: 'silent' });
const opened: Database[] = [];

function appOn(url: string) {
  const database = openDatabase(url, { max: 2 });
  opened.push(database);
  return createApp({
    logger: quiet,
    metrics: createMetrics({ service: 'logistica' }),
    database,
    faults: createFaultState({ service: 'logistica' }),
    adminToken: t.adminToken,
  });
}

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
});

describeOperationalRoutes({ service: 'logistica', appOn, loadConfig });
