/**
 * The gateway's own answers when an upstream fails: a refused connection is a 502 JSON body, a slow
 * upstream a 504 JSON body, both with Retry-After and the request id; a service's own JSON error passes
 * through untouched. Runs its own nginx in front of a small HTTP server (the upstream) and a closed port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HOST, loadTopology } from '@brigadeiro/topology';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

let gateway: LocalGateway;
let upstream: http.Server;
const hanging = new Set<http.ServerResponse>();

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/produtos/lento')) {
      hanging.add(res); // never answers: the gateway's read timeout must fire
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json', 'X-Request-Id': String(req.headers['x-request-id']) });
    res.end(JSON.stringify({ status: 404, code: 'produto_nao_encontrado', message: 'produto 999 não existe', request_id: req.headers['x-request-id'] }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, HOST, resolve));
  const t = loadTopology();
  gateway = await startLocalGateway(
    {
      ...t,
      ports: { ...t.ports, gateway: await freePort(), catalogo: (upstream.address() as AddressInfo).port, pedidos: await freePort() },
    },
    { readTimeoutSeconds: { catalogo: 1 } },
  );
});

afterAll(async () => {
  await gateway?.stop();
  for (const res of hanging) res.destroy();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('gateway upstream errors', () => {
  it('when the upstream port is closed, then the answer is a 502 JSON problem body with Retry-After and the request id', async () => {
    const res = await request(gateway.url).post('/api/v1/pedidos').set('X-Request-Id', 'gw-502-test').send({ carrinho_id: 'x' });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['x-request-id']).toBe('gw-502-test');
    expect(res.body).toEqual({ status: 502, code: 'bad_gateway', message: expect.any(String), request_id: 'gw-502-test' });
  });

  it('when the upstream does not answer in time, then the answer is a 504 JSON problem body', async () => {
    const res = await request(gateway.url).get(`/api/v1/produtos/lento-${Date.now()}`);
    expect(res.status).toBe(504);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({ status: 504, code: 'gateway_timeout', message: expect.any(String), request_id: res.headers['x-request-id'] });
  });

  it('when a service answers with its own JSON error, then the gateway passes the body through untouched', async () => {
    const res = await request(gateway.url).get('/api/v1/produtos/999').set('X-Request-Id', 'gw-passthrough');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 404, code: 'produto_nao_encontrado', message: 'produto 999 não existe', request_id: 'gw-passthrough' });
  });
});
