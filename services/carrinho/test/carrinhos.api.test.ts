import request from 'supertest';
import { buildApp, fakeCatalogo, produtoId, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('carrinho API: create, read, add, change, remove, delete', () => {
  let catalogo: FakeCatalogo;
  let svc: TestApp;

  beforeAll(async () => {
    catalogo = await fakeCatalogo();
    svc = await buildApp({ catalogoUrl: catalogo.url, instance: 2 });
  });
  afterAll(async () => {
    await svc.close();
    await catalogo.close();
  });

  async function novoCarrinho(): Promise<string> {
    const res = await request(svc.app).post(BASE).expect(201);
    return res.body.id as string;
  }

  it('when a cart is created, then it is empty, has an unguessable id, a Location, an expiry and total "0.00"', async () => {
    const before = Date.now();
    const res = await request(svc.app).post(BASE).expect(201);
    expect(res.body).toEqual({ id: expect.stringMatching(UUID_V4), itens: [], total: '0.00', expira_em: expect.any(String) });
    expect(res.headers.location).toBe(`${BASE}/${res.body.id}`);
    const expira = Date.parse(res.body.expira_em);
    expect(expira).toBeGreaterThan(before + (svc.config.CART_TTL_SECONDS - 60) * 1000);
    expect(expira).toBeLessThanOrEqual(Date.now() + svc.config.CART_TTL_SECONDS * 1000);
    const other = await request(svc.app).post(BASE).expect(201);
    expect(other.body.id).not.toBe(res.body.id);
    const got = await request(svc.app).get(res.headers.location as string).expect(200);
    expect(got.body).toEqual({ ...res.body, expira_em: expect.any(String) });
  });

  it('when any request is served, then X-Served-By names the instance', async () => {
    const id = await novoCarrinho();
    for (const res of [
      await request(svc.app).get(`${BASE}/${id}`),
      await request(svc.app).get(`${BASE}/00000000-0000-4000-8000-000000000000`),
      await request(svc.app).get('/health'),
      await request(svc.app).get('/nao-existe'),
    ]) {
      expect(res.headers['x-served-by']).toBe('carrinho-2');
    }
  });

  it('when items are added, changed and removed, then the cart shows exact prices, subtotals and total', async () => {
    const [a, b] = [produtoId(), produtoId()];
    catalogo.add({ id: a, nome: 'Brigadeiro gourmet', preco: '12.90' }, { id: b, nome: 'Beijinho', preco: '0.10' });
    const id = await novoCarrinho();

    const first = await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: a, quantidade: 2 }).expect(201);
    expect(first.body.itens).toEqual([
      { produto_id: a, nome: 'Brigadeiro gourmet', preco_unitario: '12.90', quantidade: 2, subtotal: '25.80', verificado: true },
    ]);
    expect(first.body.total).toBe('25.80');

    const again = await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: a, quantidade: 1 }).expect(200);
    expect(again.body.itens[0].quantidade).toBe(3);

    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: b, quantidade: 3 }).expect(201);
    const got = await request(svc.app).get(`${BASE}/${id}`).expect(200);
    // 3 x 12.90 + 3 x 0.10 = 39.00 exactly (0.1 * 3 in floating point is not 0.3)
    expect(got.body.total).toBe('39.00');
    expect(got.body.itens.map((i: { produto_id: number }) => i.produto_id)).toEqual([a, b].sort((x, y) => x - y));

    const patched = await request(svc.app).patch(`${BASE}/${id}/itens/${a}`).send({ quantidade: 10 }).expect(200);
    expect(patched.body.itens.find((i: { produto_id: number }) => i.produto_id === a)).toMatchObject({ quantidade: 10, subtotal: '129.00' });
    expect(patched.body.total).toBe('129.30');

    const removed = await request(svc.app).delete(`${BASE}/${id}/itens/${b}`).expect(200);
    expect(removed.body.itens).toHaveLength(1);
    expect(removed.body.total).toBe('129.00');

    await request(svc.app).delete(`${BASE}/${id}`).expect(204);
    await request(svc.app).get(`${BASE}/${id}`).expect(404);
  });

  it('when catalogo sends the price as a JSON number, then the cart still keeps it exact', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Trufa', preco: 4.5 });
    const id = await novoCarrinho();
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 3 }).expect(201);
    expect(res.body.itens[0]).toMatchObject({ preco_unitario: '4.50', subtotal: '13.50' });
  });

  it('when the cart does not exist, then every route answers 404 with a JSON body', async () => {
    const ghost = '7d1c2b9e-4f3a-4b6c-8d2e-1a2b3c4d5e6f';
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Cajuzinho', preco: '1.00' });
    const responses = [
      await request(svc.app).get(`${BASE}/${ghost}`),
      await request(svc.app).post(`${BASE}/${ghost}/itens`).send({ produto_id: p, quantidade: 1 }),
      await request(svc.app).patch(`${BASE}/${ghost}/itens/${p}`).send({ quantidade: 1 }),
      await request(svc.app).delete(`${BASE}/${ghost}/itens/${p}`),
      await request(svc.app).delete(`${BASE}/${ghost}`),
    ];
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'not_found', message: expect.stringContaining(ghost) });
    }
  });

  it('when a product is not in the cart, then changing it is a 404, removing it answers the cart as it is, and the cart is unchanged', async () => {
    const id = await novoCarrinho();
    const res1 = await request(svc.app).patch(`${BASE}/${id}/itens/424242`).send({ quantidade: 2 }).expect(404);
    expect(res1.body.code).toBe('item_inexistente');
    const res2 = await request(svc.app).delete(`${BASE}/${id}/itens/424242`).expect(200);
    expect(res2.body).toEqual({ id, itens: [], total: '0.00', expira_em: expect.any(String) });
    expect((await request(svc.app).get(`${BASE}/${id}`).expect(200)).body.itens).toEqual([]);
  });

  it('when the same item is removed twice (a re-sent DELETE), then both answer 200 with the same cart', async () => {
    const [a, b] = [produtoId(), produtoId()];
    catalogo.add({ id: a, nome: 'Pé de moleque', preco: '3.20' }, { id: b, nome: 'Bem-casado', preco: '4.75' });
    const id = await novoCarrinho();
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: a, quantidade: 2 }).expect(201);
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: b, quantidade: 1 }).expect(201);

    const first = await request(svc.app).delete(`${BASE}/${id}/itens/${a}`).expect(200);
    const second = await request(svc.app).delete(`${BASE}/${id}/itens/${a}`).expect(200);
    const sansExpiry = ({ expira_em: _, ...rest }: { expira_em: string }) => rest;
    expect(sansExpiry(second.body)).toEqual(sansExpiry(first.body));
    expect(first.body).toMatchObject({ id, total: '4.75', itens: [{ produto_id: b, quantidade: 1, subtotal: '4.75' }] });
    expect(sansExpiry((await request(svc.app).get(`${BASE}/${id}`).expect(200)).body)).toEqual(sansExpiry(first.body));
  });

  it('when adding would pass the max quantity, then it is a 409 naming the limit and nothing is written', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Olho de sogra', preco: '2.00' });
    const id = await novoCarrinho();
    const max = svc.config.ITEM_MAX_QUANTITY;
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: max - 1 }).expect(201);
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 2 }).expect(409);
    expect(res.body).toMatchObject({ code: 'quantidade_maxima_excedida', details: { field: 'body.quantidade', atual: max - 1, solicitado: 2, maximo: max } });
    expect((await request(svc.app).get(`${BASE}/${id}`)).body.itens[0].quantidade).toBe(max - 1);
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 1 }).expect(200);
  });

  it('when Redis answers, then /ready is 200 and /metrics has the unverified counter and the breaker state', async () => {
    const ready = await request(svc.app).get('/ready').expect(200);
    expect(ready.body.checks.redis).toEqual({ ok: true });
    const metrics = await request(svc.app).get('/metrics').expect(200);
    expect(metrics.text).toContain('carrinho_items_unverified_total');
    expect(metrics.text).toMatch(/circuit_breaker_state\{[^}]*breaker="catalogo"[^}]*\} 0/);
  });
});

describe('carrinho with a small item limit', () => {
  let catalogo: FakeCatalogo;
  let svc: TestApp;

  beforeAll(async () => {
    catalogo = await fakeCatalogo();
    svc = await buildApp({ catalogoUrl: catalogo.url, env: { CART_MAX_ITEMS: '2' } });
  });
  afterAll(async () => {
    await svc.close();
    await catalogo.close();
  });

  it('when a cart already holds the max distinct products, then a new one is a 409 but more of an existing one is fine', async () => {
    const [a, b, c] = [produtoId(), produtoId(), produtoId()];
    catalogo.add({ id: a, nome: 'A', preco: '1.00' }, { id: b, nome: 'B', preco: '1.00' }, { id: c, nome: 'C', preco: '1.00' });
    const id = (await request(svc.app).post(BASE).expect(201)).body.id;
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: a, quantidade: 1 }).expect(201);
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: b, quantidade: 1 }).expect(201);
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: c, quantidade: 1 }).expect(409);
    expect(res.body.code).toBe('carrinho_cheio');
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: a, quantidade: 1 }).expect(200);
    const cart = (await request(svc.app).get(`${BASE}/${id}`)).body;
    expect(cart.itens.map((i: { produto_id: number }) => i.produto_id)).toEqual([a, b]);
    await request(svc.app).delete(`${BASE}/${id}`).expect(204);
  });
});
