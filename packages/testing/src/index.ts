/**
 * Test support shared by the services' suites (imported from test/ only, never from src/): unique order
 * ids, a port where nothing listens, and the operational-routes suite every database-backed service runs.
 */
import net from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { ConfigError } from '@brigadeiro/config';
import { databaseUrl, loadTopology, serviceEnv, type ServiceName } from '@brigadeiro/topology';

/** A loopback port nobody listens on (it was free a moment ago): a database or a service that is "down". */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

let seq = 0;
/**
 * An order id no other test uses, even in parallel jest workers: time (ms, modulo 1e9) x 1e6 + pid x 1e3 +
 * a counter, well inside MAX_SAFE_INTEGER.
 */
export function novoPedidoId(): number {
  seq = (seq + 1) % 1000;
  return (Date.now() % 1e9) * 1e6 + (process.pid % 1000) * 1000 + seq;
}

export interface OperationalRoutesSuite {
  service: ServiceName & ('pedidos' | 'pagamentos' | 'estoque' | 'fiscal' | 'logistica');
  /** The service's app (createApp with real dependencies) on its database at `url`; the caller closes what it opens. */
  appOn(url: string): Express;
  /** The service's loadConfig. */
  loadConfig(env: Record<string, string | undefined>): { DATABASE_URL: string };
}

/**
 * The tests every service with its own database has (one `describe('<service> health')` block, on the stack
 * loadTopology() finds): /health 200, /ready 200 on its database and 503 with Retry-After on a closed port,
 * an unknown route's 404 JSON, and its config accepting serviceEnv() and naming a missing DATABASE_URL.
 */
export function describeOperationalRoutes({ service, appOn, loadConfig }: OperationalRoutesSuite): void {
  const t = loadTopology();
  describe(`${service} health`, () => {
    it('when /health is asked, then it answers 200', async () => {
      const res = await request(appOn(databaseUrl(t, service))).get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', service });
    });

    it('when its database is reachable, then /ready answers 200', async () => {
      const res = await request(appOn(databaseUrl(t, service))).get('/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ready', checks: { database: { ok: true } } });
    });

    it('when its database URL points at a closed port, then /ready answers 503 with Retry-After', async () => {
      const url = databaseUrl({ ...t, ports: { ...t.ports, pgRw: await closedPort() } }, service);
      const res = await request(appOn(url)).get('/ready');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ status: 'not_ready', checks: { database: { ok: false } } });
    });

    it('when an unknown route is asked, then it answers 404 JSON naming the route', async () => {
      const res = await request(appOn(databaseUrl(t, service))).get('/api/v1/nada');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'not_found', message: 'no route for GET /api/v1/nada' });
    });

    it('when the environment the orchestrator gives it is parsed, then the config is accepted', () => {
      const config = loadConfig(serviceEnv(t, service));
      expect(config.DATABASE_URL).toBe(databaseUrl(t, service));
    });

    it('when DATABASE_URL is missing, then loading the config fails naming it', () => {
      const { DATABASE_URL: _omitted, ...env } = serviceEnv(t, service);
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/DATABASE_URL \(missing\)/);
    });
  });
}
