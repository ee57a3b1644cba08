/**
 * Stale-on-error with the real catalogo: the catalogo app (services/catalogo, on the stack's databases)
 * runs in-process behind our own nginx; once a listing is cached, catalogo stops, and the gateway keeps
 * serving the last copy, marked STALE, so the catalogue stays readable while catalogo is down.
 */
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { startServer, type RunningServer } from '@brigadeiro/service-defaults';
import { HOST, databaseUrl, loadTopology } from '@brigadeiro/topology';
import { createApp } from '../services/catalogo/src/app';
import { closeCatalogoDb, createCatalogoDb, type CatalogoDb } from '../services/catalogo/src/data/clientes';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

const t = loadTopology();
let db: CatalogoDb;
let catalogo: RunningServer;
let gateway: LocalGateway;

beforeAll(async () => {
  const logger = createLogger({ service: 'catalogo', level: 'silent' });
  db = createCatalogoDb({ writeUrl: databaseUrl(t, 'catalogo', 'rw'), readUrl: databaseUrl(t, 'catalogo', 'ro'), poolMax: 2 });
  const app = createApp({ logger, metrics: createMetrics({ service: 'catalogo' }), db, adminToken: t.adminToken });
  catalogo = await startServer(app, { host: HOST, port: 0, logger, timeoutMs: 1000 });
  gateway = await startLocalGateway({ ...t, ports: { ...t.ports, gateway: await freePort(), catalogo: catalogo.port } });
});

afterAll(async () => {
  await gateway?.stop();
  await catalogo?.shutdown('test over');
  if (db) await closeCatalogoDb(db);
});

describe('gateway stale-on-error with the real catalogo', () => {
  it('when catalogo stops after a listing was cached, then the listing is still 200 from the gateway, marked STALE', async () => {
    const path = `/api/v1/produtos?limit=5&offset=${100_000 + Math.floor(Math.random() * 1_000_000)}`;
    const warm = await request(gateway.url).get(path);
    expect(warm.status).toBe(200);
    expect(Array.isArray(warm.body)).toBe(true);
    expect(warm.headers['x-cache-status']).toBe('MISS');

    await catalogo.shutdown('simulated outage');
    // proxy_cache_valid is 1 s, counted in whole seconds by nginx: after 2 s the copy is surely stale.
    await new Promise((r) => setTimeout(r, 2100));

    const stale = await request(gateway.url).get(path);
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.body).toEqual(warm.body);
    const fresh = await request(gateway.url).get(path).set('Cache-Control', 'no-cache');
    expect(fresh.status).toBe(502); // catalogo really is down: only the cache answered
    expect(fresh.body.code).toBe('bad_gateway');
  });
});
