/**
 * The marketplace workload's fixtures, through the gateway as a client would make them: one bench product
 * with plenty of stock (so the load never takes the seeded products' stock and never runs out), carts
 * holding it, and the pagamentos simulation profile (GET/PUT /admin/perfil on the service itself).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { serviceUrl, type Topology } from '@brigadeiro/topology';
import { request } from './net';

export const CARTS = '/api/v1/carrinhos';

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`;

export async function parallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** A product only the bench uses, with `estoque` units; waits until the read path (replica) sees it. */
export async function createBenchProduct(t: Topology, gateway: string, estoque = 1_000_000): Promise<number> {
  const admin = { Authorization: `Bearer ${t.adminToken}` };
  const cats = await request(`${gateway}/api/v1/categorias`, { timeoutMs: 5000 });
  const categorias = JSON.parse(cats.body.toString()) as { id: number }[];
  if (cats.status !== 200 || !Array.isArray(categorias) || !categorias[0]) throw new Error(`GET /api/v1/categorias answered ${cats.status}: is the stack seeded?`);
  const p = await request(`${gateway}/api/v1/produtos`, {
    method: 'POST',
    headers: admin,
    timeoutMs: 10_000,
    body: { nome: unique('Brigadeiro do bench'), preco: '3.50', estoque, categoria_id: categorias[0].id },
  });
  if (p.status !== 201) throw new Error(`could not create the bench product: ${p.status} ${p.body.toString().slice(0, 300)}`);
  const id = (JSON.parse(p.body.toString()) as { id: number }).id;
  for (let i = 0; i < 200; i++) {
    const r = await request(`${gateway}/api/v1/produtos/${id}`, { headers: { 'Cache-Control': 'no-cache' } }).catch(() => undefined);
    if (r?.status === 200) return id;
    await sleep(50);
  }
  throw new Error(`the bench product ${id} never became readable through the gateway`);
}

/**
 * `n` bench products. Orders spread over many products, as a shop's do: with one product every checkout's
 * stock reservation would queue on the same row lock, which measures that lock rather than the checkout.
 */
export async function createBenchProducts(t: Topology, gateway: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  await parallel(
    Array.from({ length: n }, (_, i) => i),
    4,
    async () => {
      ids.push(await createBenchProduct(t, gateway));
    },
  );
  return ids;
}

/** Deactivates the bench product (it stays: orders refer to it). */
export async function retireBenchProduct(t: Topology, gateway: string, id: number): Promise<void> {
  await request(`${gateway}/api/v1/produtos/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${t.adminToken}` } }).catch(() => undefined);
}

export async function createCart(gateway: string): Promise<string> {
  const r = await request(gateway + CARTS, { method: 'POST', body: {}, timeoutMs: 10_000 });
  if (r.status !== 201) throw new Error(`POST ${CARTS} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
  return (JSON.parse(r.body.toString()) as { id: string }).id;
}

/** `n` carts, each holding one unit of one of `produtos` (in turn), ready to be checked out. */
export async function filledCarts(gateway: string, produtos: number | number[], n: number): Promise<string[]> {
  const lista = Array.isArray(produtos) ? produtos : [produtos];
  let k = 0;
  const ids: string[] = [];
  await parallel(
    Array.from({ length: n }, (_, i) => i),
    16,
    async () => {
      const id = await createCart(gateway);
      const produtoId = lista[k++ % lista.length];
      const it = await request(`${gateway}${CARTS}/${id}/itens`, { method: 'POST', body: { produto_id: produtoId, quantidade: 1 }, timeoutMs: 10_000 });
      if (it.status !== 201 && it.status !== 200) throw new Error(`POST ${CARTS}/${id}/itens answered ${it.status}: ${it.body.toString().slice(0, 300)}`);
      ids.push(id);
    },
  );
  return ids;
}

export async function deleteCarts(gateway: string, ids: string[]): Promise<void> {
  await parallel(ids, 16, async (id) => {
    await request(`${gateway}${CARTS}/${id}`, { method: 'DELETE' }).catch(() => undefined);
  });
}

export function checkoutBody(carrinhoId: string) {
  return { carrinho_id: carrinhoId, cliente: { nome: 'Cliente do Bench', email: `${unique('bench')}@example.com` }, pagamento: { metodo: 'pix' } };
}

export interface Perfil {
  latencia_min_ms: number;
  latencia_max_ms: number;
  taxa_aprovacao: number;
}

/** pagamentos' simulated acquirer: read, or set (a named profile or explicit fields); undefined when the route is missing. */
export async function pagamentosPerfil(t: Topology, body?: Partial<Perfil> & { perfil?: 'rapido' | 'seed' }): Promise<Perfil | undefined> {
  const r = await request(`${serviceUrl(t, 'pagamentos')}/admin/perfil`, {
    method: body ? 'PUT' : 'GET',
    headers: { Authorization: `Bearer ${t.adminToken}` },
    ...(body ? { body } : {}),
    timeoutMs: 5000,
  });
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`${body ? 'PUT' : 'GET'} pagamentos /admin/perfil answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
  return JSON.parse(r.body.toString()) as Perfil;
}
