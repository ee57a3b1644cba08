/**
 * Per-client rate limit with tuned values: runs its own nginx with a tiny rate so the limit
 * is reached by a handful of requests. The main stack's generous defaults are not touched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HOST, loadTopology } from '@brigadeiro/topology';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

let gateway: LocalGateway;
let upstream: http.Server;

beforeAll(async () => {
  upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, HOST, resolve));
  const t = loadTopology();
  gateway = await startLocalGateway({
    ...t,
    ports: { ...t.ports, gateway: await freePort(), pedidos: (upstream.address() as AddressInfo).port },
    gateway: { ...t.gateway, rateLimitRps: 1, rateLimitBurst: 1 },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('gateway rate limit', () => {
  it('when one client sends more than rate + burst at once, then the excess gets a 429 JSON body with Retry-After', async () => {
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await request(gateway.url).get(`/api/v1/pedidos/rl-${i}`));
    expect(responses[0]?.status).toBe(200);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const res of limited) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toEqual({ status: 429, code: 'rate_limited', message: expect.any(String), request_id: res.headers['x-request-id'] });
    }
  });
});
