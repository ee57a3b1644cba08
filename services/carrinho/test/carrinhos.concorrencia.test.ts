/**
 * Three carrinho instances (three createApp, each with its own Redis connection and breaker, listening
 * on their own ports) hammering one cart at once: the Lua scripts must make every add count.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { buildApp, fakeCatalogo, produtoId, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';

describe('carrinho under concurrent changes through several instances', () => {
  let catalogo: FakeCatalogo;
  const instances: { svc: TestApp; server: Server; url: string }[] = [];

  beforeAll(async () => {
    // A generous catalogo timeout: on a loaded 2-core machine a slow product check would make an item
    // unverified (by design), which is not what this test is about.
    catalogo = await fakeCatalogo();
    for (const i of [1, 2, 3]) {
      const svc = await buildApp({ catalogoUrl: catalogo.url, instance: i, env: { ITEM_MAX_QUANTITY: '1000', CATALOGO_TIMEOUT_MS: '10000' } });
      const server = svc.app.listen(0, '127.0.0.1');
      await new Promise<void>((r) => server.once('listening', () => r()));
      instances.push({ svc, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    }
  });
  afterAll(async () => {
    for (const { svc, server } of instances) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await svc.close();
    }
    await catalogo.close();
  });

  async function add(i: number, id: string, produto: number, quantidade: number) {
    const target = instances[i % instances.length]!;
    const res = await fetch(`${target.url}${BASE}/${id}/itens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ produto_id: produto, quantidade }),
    });
    return { status: res.status, servedBy: res.headers.get('x-served-by'), body: (await res.json()) as { code?: string } };
  }

  it('when 200 adds of one product hit one cart at once through 3 instances, then the quantity is exactly their sum', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Brigadeiro de colher', preco: '3.33' });
    const id = (await request(instances[0]!.svc.app).post(BASE).expect(201)).body.id as string;

    const quantities = Array.from({ length: 200 }, (_, i) => 1 + (i % 4)); // 1,2,3,4,... sums to 500
    const results = await Promise.all(quantities.map((q, i) => add(i, id, p, q)));

    expect(results.filter((r) => r.status === 201)).toHaveLength(1); // exactly one request created the line
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.servedBy))).toEqual(new Set(['carrinho-1', 'carrinho-2', 'carrinho-3']));
    const cart = (await request(instances[2]!.svc.app).get(`${BASE}/${id}`).expect(200)).body;
    expect(cart.itens).toEqual([
      { produto_id: p, nome: 'Brigadeiro de colher', preco_unitario: '3.33', quantidade: 500, subtotal: '1665.00', verificado: true },
    ]);
    await request(instances[1]!.svc.app).delete(`${BASE}/${id}`).expect(204);
  });

  it('when concurrent adds race past the max quantity, then exactly the ones that fit succeed and the cap holds', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Pé de moleque', preco: '1.00' });
    const id = (await request(instances[0]!.svc.app).post(BASE).expect(201)).body.id as string;

    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => add(i, id, p, 10))); // 1200 asked, 1000 allowed

    expect(results.filter((r) => r.status === 200 || r.status === 201)).toHaveLength(100);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(20);
    expect(refused.every((r) => r.body.code === 'quantidade_maxima_excedida')).toBe(true);
    const cart = (await request(instances[1]!.svc.app).get(`${BASE}/${id}`).expect(200)).body;
    expect(cart.itens[0].quantidade).toBe(1000);
    await request(instances[2]!.svc.app).delete(`${BASE}/${id}`).expect(204);
  });

  it('when different products are added concurrently through 3 instances, then every one of them is in the cart', async () => {
    const produtos = Array.from({ length: 30 }, () => produtoId());
    for (const p of produtos) catalogo.add({ id: p, nome: `Doce ${p}`, preco: '2.00' });
    const id = (await request(instances[0]!.svc.app).post(BASE).expect(201)).body.id as string;

    const results = await Promise.all(produtos.map((p, i) => add(i, id, p, 2)));

    expect(results.every((r) => r.status === 201)).toBe(true);
    const cart = (await request(instances[0]!.svc.app).get(`${BASE}/${id}`).expect(200)).body;
    expect(cart.itens.map((i: { produto_id: number }) => i.produto_id)).toEqual([...produtos].sort((a, b) => a - b));
    expect(cart.total).toBe('120.00');
    await request(instances[0]!.svc.app).delete(`${BASE}/${id}`).expect(204);
  });
});
