/**
 * The product check against catalogo (a fake one on loopback that the test controls): verified items get
 * name and price; unknown products are refused; when catalogo fails, hangs or its breaker is open the
 * item is accepted unverified (availability first for the cart).
 */
import request from 'supertest';
import { buildApp, fakeCatalogo, produtoId, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';

async function unverifiedCount(svc: TestApp): Promise<number> {
  const text = await svc.metrics.registry.getSingleMetricAsString('carrinho_items_unverified_total');
  const m = /carrinho_items_unverified_total\{[^}]*\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('carrinho product check with catalogo', () => {
  let catalogo: FakeCatalogo;
  let svc: TestApp;

  beforeEach(async () => {
    catalogo = await fakeCatalogo();
    // A short timeout and a small window so a test can open the breaker with a few calls.
    svc = await buildApp({
      catalogoUrl: catalogo.url,
      env: {
        CATALOGO_TIMEOUT_MS: '150',
        CATALOGO_BREAKER_VOLUME_THRESHOLD: '3',
        CATALOGO_BREAKER_ERROR_PERCENT: '50',
        CATALOGO_BREAKER_RESET_MS: '60000',
      },
    });
  });
  afterEach(async () => {
    await svc.close();
    await catalogo.close();
  });

  const novoCarrinho = async () => (await request(svc.app).post(BASE).expect(201)).body.id as string;
  const adicionar = (id: string, p: number, quantidade = 1) => request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade });

  it('when catalogo knows the product, then the item is verified with its name and price snapshot', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Bem-casado', preco: '7.25' });
    const id = await novoCarrinho();
    const res = await adicionar(id, p, 2).expect(201);
    expect(res.body.itens[0]).toEqual({ produto_id: p, nome: 'Bem-casado', preco_unitario: '7.25', quantidade: 2, subtotal: '14.50', verificado: true });
    expect(catalogo.state.pedidos).toEqual([p]);
    expect(await unverifiedCount(svc)).toBe(0);
  });

  it('when catalogo says the product does not exist, then it is a 404 naming the product and the cart is unchanged', async () => {
    const id = await novoCarrinho();
    const res = await adicionar(id, 987654).expect(404);
    expect(res.body).toMatchObject({ code: 'produto_inexistente', message: 'produto 987654 não existe' });
    expect((await request(svc.app).get(`${BASE}/${id}`)).body.itens).toEqual([]);
    expect(svc.catalogo.state).toBe('closed'); // a 404 is an answer, not a failure
  });

  it('when the product is inactive, then it is a 422 and nothing is written', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Fora de linha', preco: '1.00', ativo: false });
    const id = await novoCarrinho();
    const res = await adicionar(id, p).expect(422);
    expect(res.body.code).toBe('produto_inativo');
    expect((await request(svc.app).get(`${BASE}/${id}`)).body.itens).toEqual([]);
  });

  it('when the cart does not exist, then catalogo is not even asked', async () => {
    await adicionar('1f0e2d3c-4b5a-4968-8776-655443322110', produtoId()).expect(404);
    expect(catalogo.state.pedidos).toEqual([]);
  });

  it('when catalogo answers 5xx, then the item is accepted unverified, without price, and counted', async () => {
    const p = produtoId();
    const id = await novoCarrinho();
    catalogo.state.mode = 'fail';
    const res = await adicionar(id, p, 3).expect(201);
    expect(res.body.itens).toEqual([{ produto_id: p, nome: null, preco_unitario: null, quantidade: 3, subtotal: null, verificado: false }]);
    expect(res.body.total).toBe('0.00');
    expect(await unverifiedCount(svc)).toBe(1);
  });

  it('when catalogo hangs, then the call times out and the item is accepted unverified', async () => {
    const p = produtoId();
    const id = await novoCarrinho();
    catalogo.state.mode = 'hang';
    const res = await adicionar(id, p).expect(201);
    expect(res.body.itens[0]).toMatchObject({ produto_id: p, verificado: false, preco_unitario: null });
    expect(catalogo.state.pedidos).toEqual([p]);
  });

  it('when catalogo keeps failing, then the breaker opens and later adds are accepted without calling it', async () => {
    const id = await novoCarrinho();
    catalogo.state.mode = 'fail';
    const first = [produtoId(), produtoId(), produtoId()];
    for (const p of first) await adicionar(id, p).expect(201);
    expect(svc.catalogo.state).toBe('open');
    const asked = catalogo.state.pedidos.length;

    catalogo.state.mode = 'ok';
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Cocada', preco: '5.00' });
    const res = await adicionar(id, p).expect(201);
    expect(res.body.itens.find((i: { produto_id: number }) => i.produto_id === p)).toMatchObject({ verificado: false });
    expect(catalogo.state.pedidos.length).toBe(asked); // rejected by the open breaker, catalogo never saw it
    expect(await unverifiedCount(svc)).toBe(4);
    const metrics = await request(svc.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/circuit_breaker_state\{[^}]*breaker="catalogo"[^}]*\} 2/);
  });

  it('when an unverified item is added again once catalogo answers, then it becomes verified with the quantities summed', async () => {
    const p = produtoId();
    const id = await novoCarrinho();
    catalogo.state.mode = 'fail';
    await adicionar(id, p, 2).expect(201);
    catalogo.state.mode = 'ok';
    catalogo.add({ id: p, nome: 'Paçoca', preco: '0.75' });
    const res = await adicionar(id, p, 1).expect(200);
    expect(res.body.itens).toEqual([{ produto_id: p, nome: 'Paçoca', preco_unitario: '0.75', quantidade: 3, subtotal: '2.25', verificado: true }]);
  });

  it('when a verified item is added again while catalogo is down, then it keeps its verified snapshot', async () => {
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Camafeu', preco: '4.00' });
    const id = await novoCarrinho();
    await adicionar(id, p, 1).expect(201);
    catalogo.state.mode = 'fail';
    const res = await adicionar(id, p, 1).expect(200);
    expect(res.body.itens[0]).toMatchObject({ quantidade: 2, verificado: true, preco_unitario: '4.00', subtotal: '8.00' });
  });
});
