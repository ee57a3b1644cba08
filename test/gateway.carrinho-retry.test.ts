/**
 * The carrinho upstream lists every instance; when one is down, nginx marks it failed (passive health
 * check) and sends idempotent requests to another instance, so the client never sees the dead one.
 * Runs its own nginx: instance 1 is a closed port, instance 2 a small HTTP server standing in for carrinho.
 */
import http from 'node:http';
import net from 'node:net';
import request from 'supertest';
import { HOST, loadTopology } from '@brigadeiro/topology';
import { freePort, startLocalGateway, type LocalGateway } from '../scripts/stack/local-gateway';

let gateway: LocalGateway;
let alive: http.Server;

/** Listens on `port`; resolves false when it is taken. */
function listenOn(server: net.Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => resolve(true));
  });
}

beforeAll(async () => {
  alive = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': String(req.headers['x-request-id']) });
    res.end(JSON.stringify({ id: req.url?.split('/').pop(), itens: [], instancia: 'viva' }));
  });
  // Instance i listens on carrinhoBase + i: find a base where base+1 is closed and base+2 is ours.
  let base = 0;
  for (let attempt = 0; attempt < 20 && !base; attempt++) {
    const candidate = (await freePort()) - 1;
    if (await listenOn(alive, candidate + 2)) {
      const probe = net.createServer();
      if (await listenOn(probe, candidate + 1)) base = candidate;
      await new Promise((r) => probe.close(r));
      if (!base) await new Promise((r) => alive.close(r));
    }
  }
  if (!base) throw new Error('no pair of consecutive free ports found');
  const t = loadTopology();
  gateway = await startLocalGateway({ ...t, carrinhoInstances: 2, ports: { ...t.ports, gateway: await freePort(), carrinhoBase: base } });
});

afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => alive?.close(resolve));
});

describe('gateway carrinho upstream', () => {
  it('when one carrinho instance is down, then every idempotent GET still succeeds on another instance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(gateway.url).get(`/api/v1/carrinhos/retry-${i}`);
      expect(res.body).toEqual({ id: `retry-${i}`, itens: [], instancia: 'viva' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(12).fill(200));
  });

  it('when one carrinho instance is down, then a POST refused by it is sent to the live instance', async () => {
    // A refused connection means the request never reached an instance, so even a POST is safe to resend.
    for (let i = 0; i < 4; i++) {
      const res = await request(gateway.url).post('/api/v1/carrinhos').send({});
      expect(res.status).toBe(200);
      expect(res.body.instancia).toBe('viva');
    }
  });
});
