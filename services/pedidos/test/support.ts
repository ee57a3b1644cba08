/**
 * Test support for pedidos: the app in-process (createApp, so a test can stop it and start another one)
 * on the REAL test stack (its PostgreSQL, gateway, catalogo, carrinho and the four downstream services,
 * found through loadTopology()), plus factories that make uniquely named data: a product through catalogo's
 * admin API, a cart with items through the gateway, fault injection on a downstream (always reset it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import axios from 'axios';
import pg from 'pg';
import request from 'supertest';
import type { Express } from 'express';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import type { Falhas } from '@brigadeiro/contracts';
import { databaseUrl, gatewayUrl, loadTopology, serviceUrl, type ServiceName } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { openDatabase, type Database } from '../src/data/database';
import { montarPedidos, type BreakerSettings, type Pedidos } from '../src/wiring';
import type { TrabalhadorOptions } from '../src/domain/trabalhador';

export const t = loadTopology();
export const ADMIN = { Authorization: `Bearer ${t.adminToken}` };
export const http = axios.create({ validateStatus: () => true, timeout: 30_000 });

export const silent = () => createLogger({ service: 'pedidos', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface PedidosEmTeste {
  app: Express;
  pedidos: Pedidos;
  database: Database;
  stop(): Promise<void>;
}

/** pedidos in-process on the test stack. The worker is started only when asked (`worker: {...}`). */
export function startPedidos(o: { breaker?: Partial<BreakerSettings>; worker?: TrabalhadorOptions; dbUrl?: string; retomarEmMs?: number } = {}): PedidosEmTeste {
  const logger = silent();
  const metrics = createMetrics({ service: 'pedidos' });
  const database = openDatabase(o.dbUrl ?? databaseUrl(t, 'pedidos'), { max: 20 });
  const pedidos = montarPedidos(
    {
      urls: {
        catalogo: serviceUrl(t, 'catalogo'),
        carrinho: gatewayUrl(t),
        pagamentos: serviceUrl(t, 'pagamentos'),
        estoque: serviceUrl(t, 'estoque'),
        fiscal: serviceUrl(t, 'fiscal'),
        logistica: serviceUrl(t, 'logistica'),
      },
      breaker: { timeoutMs: 3000, volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 3000, ...o.breaker },
      ...(o.worker ? { worker: o.worker } : {}),
      ...(o.retomarEmMs ? { retomarEmMs: o.retomarEmMs } : {}),
    },
    { database, logger, metrics },
  );
  if (o.worker) pedidos.trabalhador.start();
  const app = createApp({ logger, metrics, database, pedidos, adminToken: t.adminToken });
  return {
    app,
    pedidos,
    database,
    async stop() {
      await pedidos.close();
      await database.close();
    },
  };
}

/** A product made through catalogo's admin API; visible on catalogo's read path (the replica) before it returns. */
export async function criarProduto(campos: { preco?: string; estoque?: number } = {}): Promise<{ id: number; nome: string; preco: string }> {
  const base = serviceUrl(t, 'catalogo');
  const cats = await http.get(`${base}/api/v1/categorias`);
  const categoria = (cats.data as { id: number }[])[0];
  if (!categoria) throw new Error('catalogo has no category: is the test stack seeded?');
  const nome = unique('Brigadeiro de teste');
  const r = await http.post(
    `${base}/api/v1/produtos`,
    { nome, preco: campos.preco ?? '4.50', estoque: campos.estoque ?? 50, categoria_id: categoria.id },
    { headers: ADMIN },
  );
  if (r.status !== 201) throw new Error(`could not create a product: ${r.status} ${JSON.stringify(r.data)}`);
  const id = (r.data as { id: number }).id;
  for (let i = 0; i < 100; i++) {
    if ((await http.get(`${base}/api/v1/produtos/${id}`)).status === 200) break;
    await sleep(50);
  }
  return { id, nome, preco: campos.preco ?? '4.50' };
}

export async function estoqueDe(produtoId: number): Promise<number> {
  // Through the primary's view: ask with a cache-busting query on catalogo itself (reads may lag on the replica,
  // so wait until two reads agree).
  const r = await http.get(`${serviceUrl(t, 'catalogo')}/api/v1/produtos/${produtoId}`, { params: { ativo: 'todos' } });
  return (r.data as { estoque: number }).estoque;
}

export async function apagarProduto(id: number): Promise<void> {
  await http.delete(`${serviceUrl(t, 'catalogo')}/api/v1/produtos/${id}`, { headers: ADMIN });
}

/** A cart through the gateway with the given items. */
export async function criarCarrinho(itens: { produto_id: number; quantidade: number }[]): Promise<string> {
  const gw = gatewayUrl(t);
  const c = await http.post(`${gw}/api/v1/carrinhos`, {});
  if (c.status !== 201) throw new Error(`could not create a cart: ${c.status} ${JSON.stringify(c.data)}`);
  const id = (c.data as { id: string }).id;
  for (const item of itens) {
    const r = await http.post(`${gw}/api/v1/carrinhos/${id}/itens`, item);
    if (r.status !== 201 && r.status !== 200) throw new Error(`could not add to the cart: ${r.status} ${JSON.stringify(r.data)}`);
  }
  return id;
}

export function corpo(carrinhoId: string, pagamento: { metodo?: 'cartao_credito' | 'boleto' | 'pix'; cartao?: string } = {}) {
  return {
    carrinho_id: carrinhoId,
    cliente: { nome: 'Maria Teste', email: `${unique('maria')}@example.com` },
    pagamento: { metodo: pagamento.metodo ?? 'pix', ...(pagamento.cartao ? { cartao: pagamento.cartao } : {}) },
  };
}

export function comprar(app: Express, body: unknown, chave: string = unique('chave')) {
  return request(app).post('/api/v1/pedidos').set('Idempotency-Key', chave).send(body as object);
}

/** Fault injection on a downstream service (its /admin/falhas). */
export async function falhas(servico: ServiceName, f: Partial<Falhas> | 'reset'): Promise<void> {
  const url = `${serviceUrl(t, servico)}/admin/falhas`;
  const r = f === 'reset' ? await http.delete(url, { headers: ADMIN }) : await http.put(url, f, { headers: ADMIN });
  if (r.status >= 300) throw new Error(`${servico} /admin/falhas answered ${r.status} ${JSON.stringify(r.data)}`);
}

export { sleep };

/** Polls `fn` until it returns a truthy value (or the time runs out, then returns the last value). */
export async function esperarAte<T>(fn: () => Promise<T>, ms = 20_000, passo = 200): Promise<T> {
  const fim = Date.now() + ms;
  let v = await fn();
  while (!v && Date.now() < fim) {
    await sleep(passo);
    v = await fn();
  }
  return v;
}

/** A read-only look into another service's own database (tests only), e.g. to check no payment was left behind. */
export async function consultar<T = Record<string, unknown>>(servico: 'pagamentos' | 'estoque' | 'pedidos', sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: databaseUrl(t, servico) });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}
