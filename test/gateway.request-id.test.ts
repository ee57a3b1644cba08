/**
 * X-Request-Id through the gateway, seen from the upstream's side: a well-formed id reaches the service
 * unchanged, a malformed one is replaced before it does, and the response carries exactly one id whether
 * or not the service echoes it. Runs its own nginx in front of a small HTTP server standing in for carrinho.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HOST, loadTopology } from '@brigadeiro/topology';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

let gateway: LocalGateway;
let upstream: http.Server;
const seen = new Map<string, string | undefined>();

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const id = req.headers['x-request-id'] as string | undefined;
    seen.set(req.url ?? '', id);
    const echo = !req.url?.includes('mudo');
    res.writeHead(200, { 'Content-Type': 'application/json', ...(echo && id ? { 'X-Request-Id': id } : {}) });
    res.end('{}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, HOST, resolve));
  const t = loadTopology();
  const port = (upstream.address() as AddressInfo).port;
  gateway = await startLocalGateway({ ...t, carrinhoInstances: 1, ports: { ...t.ports, gateway: await freePort(), carrinhoBase: port - 1 } });
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('gateway X-Request-Id', () => {
  it('when a well-formed id is given, then the service receives it and the response carries it once', async () => {
    const res = await request(gateway.url).get('/api/v1/carrinhos/rid-1').set('X-Request-Id', 'pedido-42:abc.def_1');
    expect(seen.get('/api/v1/carrinhos/rid-1')).toBe('pedido-42:abc.def_1');
    expect(res.headers['x-request-id']).toBe('pedido-42:abc.def_1');
  });

  it('when a malformed id is given, then the service receives the generated id the client gets back', async () => {
    const res = await request(gateway.url).get('/api/v1/carrinhos/rid-2').set('X-Request-Id', `x"}${'y'.repeat(200)}`);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.get('/api/v1/carrinhos/rid-2')).toBe(res.headers['x-request-id']);
  });

  it('when the service does not echo the id, then the gateway adds it to the response', async () => {
    const res = await request(gateway.url).get('/api/v1/carrinhos/mudo-3').set('X-Request-Id', 'sem-eco-3');
    expect(seen.get('/api/v1/carrinhos/mudo-3')).toBe('sem-eco-3');
    expect(res.headers['x-request-id']).toBe('sem-eco-3');
  });
});
