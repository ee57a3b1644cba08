/**
 * The other faults on the SHARED test stack, through the same code as `npm run fault`: Redis restarts,
 * catalogo goes down, one carrinho instance is killed under load.
 *
 * These tests stop parts of the stack every other test file uses: they rely on jest running one file at a
 * time (its default on this 2-core machine: maxWorkers = cores - 1 = 1); do not run this file in parallel
 * with others (-w >1). Each test puts the stack back (restoreStack: every service up, Redis up, the
 * PostgreSQL pair healthy) before it ends, waiting on real readiness, pass or fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { gatewayUrl, loadTopology } from '@brigadeiro/topology';
import type { StackContext } from '../scripts/stack/context';
import { stackPaths } from '../scripts/stack/layout';
import { runFault } from '../scripts/cli/fault';
import { restoreStack } from '../scripts/failover/native';

const t = loadTopology();
const ctx: StackContext = { t, p: stackPaths(t), say: () => undefined };
const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 15_000 });

afterEach(async () => {
  await restoreStack(ctx);
}, 120_000);

async function aCart(): Promise<{ id: string; produtoId: number }> {
  const list = await gw.get('/api/v1/produtos', { params: { limit: 1 } });
  const produtoId = (list.data as { id: number }[])[0]!.id;
  const c = await gw.post('/api/v1/carrinhos', {});
  expect(c.status).toBe(201);
  const add = await gw.post(`/api/v1/carrinhos/${c.data.id}/itens`, { produto_id: produtoId, quantidade: 2 });
  expect([200, 201]).toContain(add.status);
  return { id: c.data.id as string, produtoId };
}

/** Polls until `fn` answers true (a readiness wait, not a timing assertion). */
async function eventually(fn: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return true;
    await sleep(100);
  }
  return false;
}

describe('fault: Redis restarts', () => {
  it('when Redis is restarted, then an existing cart comes back with its items (append-only file)', async () => {
    const cart = await aCart();
    const before = await gw.get(`/api/v1/carrinhos/${cart.id}`);
    expect(before.status).toBe(200);

    await runFault(ctx, 'redis-restart');

    // carrinho's Redis client reconnects on its own (with backoff): wait for the cart to be served again.
    expect(await eventually(async () => (await gw.get(`/api/v1/carrinhos/${cart.id}`)).status === 200)).toBe(true);
    const after = await gw.get(`/api/v1/carrinhos/${cart.id}`);
    expect(after.data.itens).toEqual(before.data.itens);
  }, 60_000);
});

describe('fault: catalogo down', () => {
  it('when catalogo is down, then the gateway serves a cached catalogue page (STALE), a checkout answers 503 with Retry-After and, once the breaker is open, without calling catalogo', async () => {
    const [cart, ...outros] = await Promise.all([aCart(), aCart()]);
    const path = `/api/v1/produtos?limit=3&offset=${100_000 + Math.floor(Math.random() * 1_000_000)}`;
    const warm = await gw.get(path);
    expect(warm.status).toBe(200);

    await runFault(ctx, 'catalogo-down');
    await sleep(2100); // the cached copy (valid 1 s, whole seconds in nginx) is now surely stale

    const stale = await gw.get(path);
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.data).toEqual(warm.data);
    const checkout = await gw.post(
      '/api/v1/pedidos',
      { carrinho_id: cart.id, cliente: { nome: 'Sem Catálogo', email: `sem-catalogo-${randomUUID().slice(0, 8)}@example.com` }, pagamento: { metodo: 'pix' } },
      { headers: { 'Idempotency-Key': `fault-${randomUUID()}` } },
    );
    expect(checkout.status).toBe(503);
    expect(Number(checkout.headers['retry-after'])).toBeGreaterThan(0);
    expect(checkout.data.code).toEqual(expect.any(String));
    // The failures open pedidos' catalogo breaker (how many it takes depends on the successes still in its
    // 10 s window); from then on a checkout is refused at once (no connection attempts, no backoff), and the
    // answer says so. Nothing is created while catalogo is down, so one cart serves every attempt.
    const depois = [];
    for (let i = 0; i < 40 && !/circuit breaker open/.test(String(depois.at(-1)?.data.message)); i++) {
      depois.push(await gw.post('/api/v1/pedidos', { carrinho_id: outros[0]!.id, cliente: { nome: 'Sem Catálogo', email: 'sem-catalogo@example.com' }, pagamento: { metodo: 'pix' } }, { headers: { 'Idempotency-Key': `fault-${randomUUID()}` } }));
    }
    expect(depois.map((r) => r.status).filter((s) => s !== 503)).toEqual([]);
    expect(depois.at(-1)!.data.message).toMatch(/circuit breaker open/);
    expect(Number(depois.at(-1)!.headers['retry-after'])).toBeGreaterThan(0);
  }, 60_000);
});

describe('fault: one carrinho instance killed under load', () => {
  it('when a carrinho instance is SIGKILLed while carts are read through the gateway, then every read still answers 200', async () => {
    const cart = await aCart();
    const statuses: number[] = [];
    let stop = false;
    const reader = async () => {
      while (!stop) statuses.push((await gw.get(`/api/v1/carrinhos/${cart.id}`).catch(() => ({ status: 0 }))).status);
    };
    const readers = Promise.all([reader(), reader(), reader()]);
    await sleep(500);

    await runFault(ctx, 'carrinho-kill', String(Math.min(2, t.carrinhoInstances)));
    await sleep(1500);
    stop = true;
    await readers;

    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  }, 60_000);
});
