/**
 * Redis restarts (and stays down) under constant cart traffic through the gateway of the SHARED test stack:
 * real Redis, real nginx, every real carrinho instance. carrinho holds cart commands across the reconnect
 * (REDIS_HOLD_MS), so a restart costs a pause, not a failed request; a Redis that stays down gets carrinho's
 * own 503 JSON with Retry-After, and nginx does not take the healthy instances out over it.
 *
 * Like fault.services.test.ts, these tests stop part of the stack every other file uses: they rely on jest
 * running one file at a time and put the stack back (restoreStack) before they end, pass or fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import { gatewayUrl, loadTopology } from '@brigadeiro/topology';
import type { StackContext } from '../scripts/stack/context';
import { stackPaths } from '../scripts/stack/layout';
import { runFault } from '../scripts/cli/fault';
import { restoreStack } from '../scripts/failover/native';

const t = loadTopology();
const ctx: StackContext = { t, p: stackPaths(t), say: () => undefined };
const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 15_000 });

const CLIENTS = 6;
const PRODUTOS = 5;
/** Adds per product in one cart stay below carrinho's ITEM_MAX_QUANTITY (99). */
const MAX_POR_PRODUTO = 90;

afterEach(async () => {
  await restoreStack(ctx);
}, 120_000);

interface Resposta {
  req: string;
  status: number; // 0: no HTTP answer (connection error, client timeout)
  ms: number;
  at: number;
  body?: unknown;
}

async function chamar(log: Resposta[], req: string, call: () => Promise<{ status: number; data: unknown }>): Promise<{ status: number; data: unknown }> {
  const t0 = Date.now();
  const res = await call().catch((err: Error) => ({ status: 0, data: err.message }));
  log.push({ req, status: res.status, ms: Date.now() - t0, at: t0, ...(res.status >= 500 || res.status === 0 ? { body: res.data } : {}) });
  return res;
}

/** One line of measured figures in the test output (README's "Break it" quotes them). */
function figura(line: string): void {
  // eslint-disable-next-line no-console -- the measurement is this test's other product
  console.log(line);
}

/** Requests per status, for the log line. */
function contagem(rs: Resposta[]): Record<number, number> {
  const c: Record<number, number> = {};
  for (const r of rs) c[r.status] = (c[r.status] ?? 0) + 1;
  return c;
}

async function produtos(): Promise<number[]> {
  const list = await gw.get('/api/v1/produtos', { params: { limit: PRODUTOS } });
  expect(list.status).toBe(200);
  return (list.data as { id: number }[]).map((p) => p.id);
}

describe('fault: Redis restarts under cart traffic', () => {
  it('when Redis is restarted while clients add and read items through the gateway, then no request fails and every acknowledged item is in its cart', async () => {
    const ids = await produtos();
    const log: Resposta[] = [];
    /** Per cart, per product: the adds the gateway acknowledged (200/201). */
    const confirmados = new Map<string, Map<number, number>>();
    const criadosDurante: string[] = [];
    let stop = false;

    const cliente = async (n: number) => {
      const criado = await chamar(log, 'POST /carrinhos', () => gw.post('/api/v1/carrinhos', {}));
      expect(criado.status).toBe(201);
      const id = (criado.data as { id: string }).id;
      const meus = new Map<number, number>();
      confirmados.set(id, meus);
      for (let i = 0; !stop; i++) {
        const produtoId = ids[(n + i) % ids.length]!;
        if ((meus.get(produtoId) ?? 0) < MAX_POR_PRODUTO) {
          const add = await chamar(log, 'POST /itens', () => gw.post(`/api/v1/carrinhos/${id}/itens`, { produto_id: produtoId, quantidade: 1 }));
          if (add.status === 200 || add.status === 201) meus.set(produtoId, (meus.get(produtoId) ?? 0) + 1);
        }
        await chamar(log, 'GET /carrinhos/:id', () => gw.get(`/api/v1/carrinhos/${id}`));
        if (i % 10 === 0) {
          const novo = await chamar(log, 'POST /carrinhos', () => gw.post('/api/v1/carrinhos', {}));
          if (novo.status === 201) criadosDurante.push((novo.data as { id: string }).id);
        }
      }
    };
    const clientes = Promise.all(Array.from({ length: CLIENTS }, (_, n) => cliente(n)));
    await sleep(1000);

    const restartAt = Date.now();
    await runFault(ctx, 'redis-restart');
    const downMs = Date.now() - restartAt;
    await sleep(2000);
    stop = true;
    await clientes;

    const falhas = log.filter((r) => r.status === 0 || r.status >= 500 || ![200, 201].includes(r.status));
    const durante = log.filter((r) => r.at >= restartAt - 100 && r.at <= restartAt + downMs);
    const maisLenta = Math.max(...log.filter((r) => r.at >= restartAt - 500).map((r) => r.ms));
    // The figures quoted in README's "Break it" come from these lines.
    figura(
      `redis-restart under load: down ${downMs} ms; ${log.length} requests, ${falhas.length} failed ${JSON.stringify(contagem(falhas))}; ` +
        `${durante.length} started during the outage; slowest answer from 0.5 s before the restart on: ${maisLenta} ms`,
    );
    expect(log.length).toBeGreaterThan(100);
    expect(durante.length).toBeGreaterThan(0);
    expect(falhas).toEqual([]);

    // Every acknowledged add is in its cart, none twice (a command resent after a lost reply is applied once).
    for (const [id, meus] of confirmados) {
      const cart = await gw.get(`/api/v1/carrinhos/${id}`);
      expect(cart.status).toBe(200);
      const guardados = new Map((cart.data.itens as { produto_id: number; quantidade: number }[]).map((it) => [it.produto_id, it.quantidade]));
      expect(guardados).toEqual(meus);
    }
    for (const id of criadosDurante) expect((await gw.get(`/api/v1/carrinhos/${id}`)).status).toBe(200);
  }, 90_000);
});

describe('fault: Redis stays down', () => {
  it('when Redis is down for longer than the hold, then cart requests get carrinho’s 503 JSON with Retry-After quickly, never the gateway’s 502, and carts answer again once Redis is back', async () => {
    const criado = await gw.post('/api/v1/carrinhos', {});
    expect(criado.status).toBe(201);
    const id = criado.data.id as string;

    const downAt = Date.now();
    await runFault(ctx, 'redis-down');
    // Within the hold a request waits for Redis, then gets the 503: before nginx's 5 s read timeout (no 504).
    const t0 = Date.now();
    const held = await gw.get(`/api/v1/carrinhos/${id}`);
    const heldMs = Date.now() - t0;
    expect(held.status).toBe(503);
    expect(held.headers['retry-after']).toBe('1');
    expect(held.data).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('redis') });
    expect(heldMs).toBeLessThan(4500);
    await sleep(Math.max(0, downAt + 3500 - Date.now())); // longer than REDIS_HOLD_MS (3 s): past every instance's hold

    const respostas: Resposta[] = [];
    // More requests than instances x max_fails (2): were a 503 an instance failure, nginx would run out of instances.
    for (let i = 0; i < 4 * t.carrinhoInstances + 4; i++) {
      const t0 = Date.now();
      const res = i % 2 === 0 ? await gw.get(`/api/v1/carrinhos/${id}`) : await gw.post(`/api/v1/carrinhos/${id}/itens`, { produto_id: 1, quantidade: 1 });
      respostas.push({ req: i % 2 === 0 ? 'GET' : 'POST', status: res.status, ms: Date.now() - t0, at: t0, body: { ...res.data, servedBy: res.headers['x-served-by'], retryAfter: res.headers['retry-after'] } });
    }
    const lentas = respostas.filter((r) => r.ms > 1000);
    figura(`redis down: the request within the hold got its 503 in ${heldMs} ms; past the hold ${respostas.length} cart requests, statuses ${[...new Set(respostas.map((r) => r.status))].join(',')}, slowest ${Math.max(...respostas.map((r) => r.ms))} ms`);
    for (const r of respostas) {
      expect(r).toMatchObject({
        status: 503,
        body: { status: 503, code: 'service_unavailable', message: expect.stringContaining('redis'), retryAfter: '1', servedBy: expect.stringMatching(/^carrinho-\d+$/) },
      });
    }
    expect(lentas).toEqual([]);

    const upAt = Date.now();
    await runFault(ctx, 'redis-up');
    // No instance was taken out by nginx: the cart answers as soon as carrinho has reconnected (0.2 s at most).
    let back = await gw.get(`/api/v1/carrinhos/${id}`);
    while (back.status !== 200 && Date.now() - upAt < 10_000) {
      expect(back.status).toBe(503);
      await sleep(50);
      back = await gw.get(`/api/v1/carrinhos/${id}`);
    }
    expect(back.status).toBe(200);
    figura(`redis up: carts answered ${Date.now() - upAt} ms after redis-up was called`);
  }, 90_000);
});
