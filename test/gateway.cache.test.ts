/**
 * The catalogue micro-cache: a repeat GET is a HIT, `Cache-Control: no-cache` bypasses it, and when
 * catalogo is down the last copy is served STALE so the catalogue stays readable. Runs its own nginx in
 * front of a small HTTP server standing in for catalogo (a JSON array, as GET /api/v1/produtos returns).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HOST, loadTopology } from '@brigadeiro/topology';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

let gateway: LocalGateway;
let catalogo: http.Server | undefined;
let served = 0;

function produtos(): http.Server {
  return http.createServer((req, res) => {
    served += 1;
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Total-Count': '1', 'X-Served-By': 'replica', 'X-Request-Id': String(req.headers['x-request-id']) });
    res.end(JSON.stringify([{ id: 1, nome: 'Brigadeiro gourmet', preco: '4.50', estoque: 10, categoria: 'doces', url: req.url, resposta: served }]));
  });
}

beforeAll(async () => {
  catalogo = produtos();
  await new Promise<void>((resolve) => catalogo?.listen(0, HOST, resolve));
  const t = loadTopology();
  gateway = await startLocalGateway({ ...t, ports: { ...t.ports, gateway: await freePort(), catalogo: (catalogo.address() as AddressInfo).port } });
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => (catalogo?.listening ? catalogo.close(resolve) : resolve(undefined)));
});

const unique = () => `${Date.now()}${Math.floor(Math.random() * 1e6)}`;

describe('gateway catalogue micro-cache', () => {
  it('when the same catalogue GET is repeated, then the second is a HIT served by the gateway with its own request id', async () => {
    const url = `/api/v1/produtos?offset=${unique()}`;
    const first = await request(gateway.url).get(url).set('X-Request-Id', 'cache-first');
    const before = served;
    const second = await request(gateway.url).get(url).set('X-Request-Id', 'cache-second');
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.status).toBe(200);
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(served).toBe(before);
    expect(second.headers['x-request-id']).toBe('cache-second');
    expect(second.headers['x-total-count']).toBe('1');
    expect(second.headers['x-served-by']).toBe('replica');
  });

  it('when the request says Cache-Control: no-cache, then the gateway asks catalogo (BYPASS)', async () => {
    const url = `/api/v1/categorias?c=${unique()}`;
    await request(gateway.url).get(url);
    const before = served;
    const res = await request(gateway.url).get(url).set('Cache-Control', 'no-cache');
    expect(res.headers['x-cache-status']).toBe('BYPASS');
    expect(served).toBe(before + 1);
  });

  it('when a GET bypasses the cache with no-cache, then its answer is not stored: the next plain GET is a MISS', async () => {
    const url = `/api/v1/produtos?offset=${unique()}`;
    const bypass = await request(gateway.url).get(url).set('Cache-Control', 'no-cache');
    expect(bypass.headers['x-cache-status']).toBe('BYPASS');
    const before = served;
    const plain = await request(gateway.url).get(url);
    expect(plain.headers['x-cache-status']).toBe('MISS');
    expect(served).toBe(before + 1);
  });

  it('when a catalogue write is sent, then it is never cached', async () => {
    const url = `/api/v1/produtos/${unique()}`;
    const a = await request(gateway.url).patch(url).send({ nome: 'x' });
    const b = await request(gateway.url).patch(url).send({ nome: 'x' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers['x-cache-status']).toBeUndefined();
  });

  it('when the cached copy is past its second, then the next plain GET waits for catalogo and answers its new body (EXPIRED), never the old copy', async () => {
    const url = `/api/v1/produtos?offset=${unique()}`;
    const first = await request(gateway.url).get(url);
    expect(first.headers['x-cache-status']).toBe('MISS');
    // proxy_cache_valid is 1 s, counted in whole seconds by nginx: after 2 s the copy is surely expired.
    await new Promise((r) => setTimeout(r, 2100));
    const before = served;
    const next = await request(gateway.url).get(url);
    expect(next.headers['x-cache-status']).toBe('EXPIRED');
    expect(served).toBe(before + 1);
    expect(next.body[0].resposta).toBe(before + 1);
    expect(next.body[0].resposta).not.toBe(first.body[0].resposta);
  });

  // Last: it stops the stand-in catalogo.
  it('when catalogo goes down after a GET was cached, then the GET is still 200 and marked STALE', async () => {
    const url = `/api/v1/produtos?offset=${unique()}`;
    const warm = await request(gateway.url).get(url);
    expect(warm.status).toBe(200);
    await new Promise((resolve) => catalogo?.close(resolve));
    catalogo?.closeAllConnections();
    // proxy_cache_valid is 1 s, counted in whole seconds by nginx: after 2 s the copy is surely stale.
    await new Promise((r) => setTimeout(r, 2100));
    const fresh = await request(gateway.url).get(url).set('Cache-Control', 'no-cache');
    expect(fresh.status).toBe(502); // catalogo really is down
    const stale = await request(gateway.url).get(url);
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.body).toEqual(warm.body);
  });
});
