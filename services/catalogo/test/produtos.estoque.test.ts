import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ADMIN, buildApp, closeCatalogoDb, fabrica, openDb } from './helpers';

const db = openDb();
const app = buildApp(db);
const dados = fabrica(db);

afterEach(() => dados.limpar());
afterAll(() => closeCatalogoDb(db));

const estoqueNoPrimario = async (id: number) => (await db.write.produto.findUniqueOrThrow({ where: { id } })).estoque;
const alterar = (id: number, operacao: string, quantidade: unknown) =>
  request(app).put(`/api/v1/produtos/${id}/estoque`).set(ADMIN).send({ operacao, quantidade });

describe('PUT /api/v1/produtos/:id/estoque', () => {
  it('when adding and removing, then 200 with {id, estoque} and the stock changes by that much', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 5 });
    expect((await alterar(p.id, 'adicionar', 7).expect(200)).body).toEqual({ id: p.id, estoque: 12 });
    expect((await alterar(p.id, 'remover', 12).expect(200)).body).toEqual({ id: p.id, estoque: 0 });
    expect(await estoqueNoPrimario(p.id)).toBe(0);
  });

  it('when removing more than is held, then 409 insufficient_stock naming available and requested, and the stock is unchanged', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 3 });
    const res = await alterar(p.id, 'remover', 5).expect(409);
    expect(res.body).toMatchObject({
      status: 409,
      code: 'insufficient_stock',
      message: `insufficient stock for produto ${p.id}: 3 available, 5 requested`,
      details: { produto_id: p.id, disponivel: 3, solicitado: 5 },
    });
    expect(await estoqueNoPrimario(p.id)).toBe(3);
  });

  it('when adding would pass the largest stock PostgreSQL can hold, then 409 stock_limit_exceeded instead of an overflow', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 2_147_000_000 });
    const res = await alterar(p.id, 'adicionar', 1_000_000).expect(409);
    expect(res.body.code).toBe('stock_limit_exceeded');
    expect(await estoqueNoPrimario(p.id)).toBe(2_147_000_000);
  });

  it('when the product is unknown, then 404 for both operations', async () => {
    expect((await alterar(2147483645, 'remover', 1).expect(404)).body.message).toBe('produto 2147483645 not found');
    await alterar(2147483645, 'adicionar', 1).expect(404);
  });

  it('when 50 requests each remove 1 from a stock of 20 at once, then exactly 20 succeed, 30 get 409 and the stock ends at 0', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 20 });
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/produtos/${p.id}/estoque`;
      const respostas = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const r = await fetch(url, {
            method: 'PUT',
            headers: { ...ADMIN, 'Content-Type': 'application/json' },
            body: JSON.stringify({ operacao: 'remover', quantidade: 1 }),
          });
          return { status: r.status, body: (await r.json()) as { estoque?: number; code?: string } };
        }),
      );
      const ok = respostas.filter((r) => r.status === 200);
      const conflito = respostas.filter((r) => r.status === 409);
      expect(ok).toHaveLength(20);
      expect(conflito).toHaveLength(30);
      expect(conflito.every((r) => r.body.code === 'insufficient_stock')).toBe(true);
      // Each success saw a different stock on its way down: 19, 18, ..., 0, never below.
      expect(ok.map((r) => r.body.estoque).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await estoqueNoPrimario(p.id)).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
