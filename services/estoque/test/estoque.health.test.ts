/**
 * estoque's operational routes against its real database (databaseUrl(t, 'estoque') of the test stack):
 * /health, /ready, and the 404 JSON body of an unknown route.
 */
import request from 'supertest';
import { createFaultState } from '@brigadeiro/chaos';
import { Downstream } from '@brigadeiro/http-client';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology, serviceEnv, serviceUrl } from '@brigadeiro/topology';
import { ConfigError } from '@brigadeiro/config';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type Database } from '../src/data/database';
import { closedPort } from './support';

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

describe('estoque health', () => {
  it('when /health is asked, then it answers 200', async () => {
    const res = await request(appOn(databaseUrl(t, 'estoque'))).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', service: 'estoque' });
  });

  it('when its database is reachable, then /ready answers 200', async () => {
    const res = await request(appOn(databaseUrl(t, 'estoque'))).get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { database: { ok: true } } });
  });

  it('when its database URL points at a closed port, then /ready answers 503 with Retry-After', async () => {
    const url = databaseUrl({ ...t, ports: { ...t.ports, pgRw: await closedPort() } }, 'estoque');
    const res = await request(appOn(url)).get('/ready');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: { ok: false } } });
  });

  it('when an unknown route is asked, then it answers 404 JSON naming the route', async () => {
    const res = await request(appOn(databaseUrl(t, 'estoque'))).get('/api/v1/nada');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, code: 'not_found', message: 'no route for GET /api/v1/nada' });
  });

  it('when the environment the orchestrator gives it is parsed, then the config is accepted', () => {
    const config = loadConfig(serviceEnv(t, 'estoque'));
    expect(config.DATABASE_URL).toBe(databaseUrl(t, 'estoque'));
  });

  it('when DATABASE_URL is missing, then loading the config fails naming it', () => {
    const { DATABASE_URL: _omitted, ...env } = serviceEnv(t, 'estoque');
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/DATABASE_URL \(missing\)/);
  });
});
