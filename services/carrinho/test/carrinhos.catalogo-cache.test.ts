/**
 * The product check's short-lived cache (CATALOGO_CACHE_TTL_MS): catalogo's answer about a product is reused
 * within the TTL, concurrent adds of one product ask once, a failure is never cached (the next add asks
 * again and verifies), and with the TTL at 0 every add asks. Against a fake catalogo the test controls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { buildApp, fakeCatalogo, produtoId, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';

describe('carrinho product check cache', () => {
  let catalogo: FakeCatalogo;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    catalogo = await fakeCatalogo();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await catalogo.close();
  });

  async function instancia(env: Record<string, string> = {}): Promise<TestApp> {
    const svc = await buildApp({ catalogoUrl: catalogo.url, env: { CATALOGO_TIMEOUT_MS: '150', ...env } });
    apps.push(svc);
    return svc;
  }
  const novoCarrinho = async (svc: TestApp) => (await request(svc.app).post(BASE).expect(201)).body.id as string;
  const adicionar = (svc: TestApp, id: string, p: number, quantidade = 1) => request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade });

  it('when one product is added to two carts within the TTL, then catalogo is asked once and both items are verified', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '60000' });
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Olho-de-sogra', preco: '3.10' });
    const [a, b] = [await novoCarrinho(svc), await novoCarrinho(svc)];
    await adicionar(svc, a, p).expect(201);
    const res = await adicionar(svc, b, p, 2).expect(201);
    expect(res.body.itens[0]).toMatchObject({ produto_id: p, nome: 'Olho-de-sogra', preco_unitario: '3.10', subtotal: '6.20', verificado: true });
    expect(catalogo.state.pedidos).toEqual([p]);
  });

  it('when many adds of one product arrive at once, then catalogo is asked once', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '60000' });
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Quindim', preco: '4.50' });
    const carrinhos = await Promise.all(Array.from({ length: 8 }, () => novoCarrinho(svc)));
    const respostas = await Promise.all(carrinhos.map((c) => adicionar(svc, c, p)));
    expect(respostas.map((r) => [r.status, r.body.itens[0].verificado])).toEqual(carrinhos.map(() => [201, true]));
    expect(catalogo.state.pedidos).toEqual([p]);
  });

  it('when catalogo was down for a product, then that is not cached: the next add asks again and is verified', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '60000' });
    const p = produtoId();
    const id = await novoCarrinho(svc);
    catalogo.state.mode = 'fail';
    const antes = await adicionar(svc, id, p).expect(201);
    expect(antes.body.itens[0]).toMatchObject({ verificado: false, preco_unitario: null });
    catalogo.state.mode = 'ok';
    catalogo.add({ id: p, nome: 'Pé-de-moleque', preco: '2.00' });
    const depois = await adicionar(svc, id, p).expect(200);
    expect(depois.body.itens[0]).toMatchObject({ quantidade: 2, verificado: true, preco_unitario: '2.00' });
    expect(catalogo.state.pedidos).toEqual([p, p]);
  });

  it('when a cached product is added while catalogo is down, then it is still verified from the cache', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '60000' });
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Cajuzinho', preco: '1.50' });
    const [a, b] = [await novoCarrinho(svc), await novoCarrinho(svc)];
    await adicionar(svc, a, p).expect(201);
    catalogo.state.mode = 'fail';
    const res = await adicionar(svc, b, p).expect(201);
    expect(res.body.itens[0]).toMatchObject({ verificado: true, preco_unitario: '1.50' });
  });

  it('when the TTL has passed, then catalogo is asked again and a new price is seen', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '30' });
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Bem-casado', preco: '7.00' });
    const [a, b] = [await novoCarrinho(svc), await novoCarrinho(svc)];
    await adicionar(svc, a, p).expect(201);
    catalogo.add({ id: p, nome: 'Bem-casado', preco: '8.00' });
    await sleep(80);
    const res = await adicionar(svc, b, p).expect(201);
    expect(res.body.itens[0]).toMatchObject({ preco_unitario: '8.00', verificado: true });
    expect(catalogo.state.pedidos).toEqual([p, p]);
  });

  it('when the TTL is 0, then every add asks catalogo', async () => {
    const svc = await instancia({ CATALOGO_CACHE_TTL_MS: '0' });
    const p = produtoId();
    catalogo.add({ id: p, nome: 'Cocada', preco: '5.00' });
    const id = await novoCarrinho(svc);
    await adicionar(svc, id, p).expect(201);
    await adicionar(svc, id, p).expect(200);
    expect(catalogo.state.pedidos).toEqual([p, p]);
  });
});
