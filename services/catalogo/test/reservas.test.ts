/**
 * catalogo's stock reservations (POST/DELETE /internal/v1/reservas) on the real primary: all items or none,
 * idempotent by referencia, release once, deterministic locking under concurrency, and never below zero.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Reserva } from '@brigadeiro/contracts';
import { closeCatalogoDb } from '../src/data/clientes';
import { buildApp, fabrica, openDb } from './helpers';

const db = openDb();
const app = buildApp(db);
const f = fabrica(db);
const referencias: string[] = [];

function ref(): string {
  const r = `teste-${randomUUID()}`;
  referencias.push(r);
  return r;
}

async function estoque(id: number): Promise<number> {
  const p = await db.write.produto.findUniqueOrThrow({ where: { id }, select: { estoque: true } });
  return p.estoque;
}

afterEach(async () => {
  await db.write.$executeRaw`DELETE FROM reservas_estoque WHERE referencia = ANY(${referencias.splice(0)}::text[])`;
  await f.limpar();
});

afterAll(async () => {
  await closeCatalogoDb(db);
});

describe('POST /internal/v1/reservas', () => {
  it('when every item is available, then it answers 201 reservada and takes each quantity off the stock', async () => {
    const c = await f.categoria();
    const [a, b] = [await f.produto(c.id, { estoque: 5 }), await f.produto(c.id, { estoque: 3 })];
    const referencia = ref();
    const res = await request(app)
      .post('/internal/v1/reservas')
      .send({ referencia, itens: [{ produto_id: b.id, quantidade: 3 }, { produto_id: a.id, quantidade: 2 }] });
    expect(res.status).toBe(201);
    expect(Reserva.parse(res.body)).toEqual({ referencia, status: 'reservada', itens: [{ produto_id: b.id, quantidade: 3 }, { produto_id: a.id, quantidade: 2 }] });
    expect([await estoque(a.id), await estoque(b.id)]).toEqual([3, 0]);
  });

  it('when the same referencia is reserved again, then it answers 200 with the same reservation and the stock moves once', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 5 });
    const body = { referencia: ref(), itens: [{ produto_id: p.id, quantidade: 2 }] };
    const first = await request(app).post('/internal/v1/reservas').send(body);
    const second = await request(app).post('/internal/v1/reservas').send(body);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    expect(await estoque(p.id)).toBe(3);
  });

  it('when a referencia is reserved again with other items, then it answers 200 with the stored reservation and touches no stock', async () => {
    const c = await f.categoria();
    const [a, b] = [await f.produto(c.id, { estoque: 5 }), await f.produto(c.id, { estoque: 5 })];
    const referencia = ref();
    const first = await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: a.id, quantidade: 2 }] });
    const again = await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: b.id, quantidade: 4 }] });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect(again.body).toMatchObject({ referencia, status: 'reservada', itens: [{ produto_id: a.id, quantidade: 2 }] });
    expect([await estoque(a.id), await estoque(b.id)]).toEqual([3, 5]);
  });

  it('when the same referencia is reserved twice at once, then one answers 201, the other 200 with the same body, and the stock moves once', async () => {
    const c = await f.categoria();
    const [a, b] = [await f.produto(c.id, { estoque: 10 }), await f.produto(c.id, { estoque: 10 })];
    const body = { referencia: ref(), itens: [{ produto_id: a.id, quantidade: 2 }, { produto_id: b.id, quantidade: 3 }] };
    const answers = await Promise.all(Array.from({ length: 4 }, () => request(app).post('/internal/v1/reservas').send(body)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect([await estoque(a.id), await estoque(b.id)]).toEqual([8, 7]);
  });

  it('when one item is short, then it answers 409 insufficient_stock with its details and NO item is decremented', async () => {
    const c = await f.categoria();
    const [a, b, d] = [await f.produto(c.id, { estoque: 5 }), await f.produto(c.id, { estoque: 1 }), await f.produto(c.id, { estoque: 5 })];
    const referencia = ref();
    const res = await request(app)
      .post('/internal/v1/reservas')
      .send({ referencia, itens: [{ produto_id: a.id, quantidade: 2 }, { produto_id: b.id, quantidade: 2 }, { produto_id: d.id, quantidade: 1 }] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'insufficient_stock', details: { produto_id: b.id, disponivel: 1, solicitado: 2 } });
    expect([await estoque(a.id), await estoque(b.id), await estoque(d.id)]).toEqual([5, 1, 5]);
    // Nothing was kept under the referencia either: it can be tried again later.
    expect(await db.write.reservaEstoque.count({ where: { referencia } })).toBe(0);
  });

  it('when a product does not exist or is inactive, then it answers 404 product_not_found and reserves nothing', async () => {
    const c = await f.categoria();
    const a = await f.produto(c.id, { estoque: 5 });
    const inativo = await f.produto(c.id, { estoque: 5, ativo: false });
    const r1 = await request(app).post('/internal/v1/reservas').send({ referencia: ref(), itens: [{ produto_id: a.id, quantidade: 1 }, { produto_id: 2_000_000_000, quantidade: 1 }] });
    expect(r1.status).toBe(404);
    expect(r1.body).toMatchObject({ code: 'product_not_found', details: { produto_id: 2_000_000_000 } });
    const r2 = await request(app).post('/internal/v1/reservas').send({ referencia: ref(), itens: [{ produto_id: inativo.id, quantidade: 1 }] });
    expect(r2.status).toBe(404);
    expect([await estoque(a.id), await estoque(inativo.id)]).toEqual([5, 5]);
  });

  it('when the last product in produto_id order is short, then every earlier decrement is undone and no row is kept', async () => {
    const c = await f.categoria();
    const [a, b, d] = [await f.produto(c.id, { estoque: 4 }), await f.produto(c.id, { estoque: 4 }), await f.produto(c.id, { estoque: 2 })];
    const referencia = ref();
    const res = await request(app)
      .post('/internal/v1/reservas')
      .send({ referencia, itens: [{ produto_id: d.id, quantidade: 3 }, { produto_id: b.id, quantidade: 4 }, { produto_id: a.id, quantidade: 1 }] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'insufficient_stock', details: { produto_id: d.id, disponivel: 2, solicitado: 3 } });
    expect([await estoque(a.id), await estoque(b.id), await estoque(d.id)]).toEqual([4, 4, 2]);
    expect(await db.write.reservaEstoque.count({ where: { referencia } })).toBe(0);
  });

  it('when an item is inactive after others were taken, then it answers 404 and the referencia stays free for a later try', async () => {
    const c = await f.categoria();
    const a = await f.produto(c.id, { estoque: 5 });
    const inativo = await f.produto(c.id, { estoque: 5, ativo: false });
    const referencia = ref();
    const r1 = await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: a.id, quantidade: 2 }, { produto_id: inativo.id, quantidade: 1 }] });
    expect(r1.status).toBe(404);
    expect(r1.body).toMatchObject({ code: 'product_not_found', details: { produto_id: inativo.id } });
    expect(await estoque(a.id)).toBe(5);
    const r2 = await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: a.id, quantidade: 2 }] });
    expect(r2.status).toBe(201);
    expect(await estoque(a.id)).toBe(3);
  });

  it('when a produto_id is beyond the database integer range, then it answers 404 product_not_found (not a 500) and reserves nothing', async () => {
    const c = await f.categoria();
    const a = await f.produto(c.id, { estoque: 5 });
    const res = await request(app)
      .post('/internal/v1/reservas')
      .send({ referencia: ref(), itens: [{ produto_id: a.id, quantidade: 1 }, { produto_id: 3_000_000_000, quantidade: 1 }] });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'product_not_found', details: { produto_id: 3_000_000_000 } });
    expect(await estoque(a.id)).toBe(5);
  });

  it.each([
    ['no itens', { itens: [] }, 'body.itens'],
    ['a zero quantity', { itens: [{ produto_id: 1, quantidade: 0 }] }, 'body.itens.0.quantidade'],
    ['a referencia with spaces', { referencia: 'pedido 1' }, 'body.referencia'],
    ['a produto_id listed twice', { itens: [{ produto_id: 1, quantidade: 1 }, { produto_id: 1, quantidade: 2 }] }, 'body.itens'],
  ])('when the body has %s, then it answers 400 naming the field', async (_w, change, field) => {
    const res = await request(app).post('/internal/v1/reservas').send({ referencia: ref(), itens: [{ produto_id: 1, quantidade: 1 }], ...change });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('when 30 reservations of 1 unit race for a stock of 10, then exactly 10 succeed, 20 get 409 and the stock ends at 0', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 10 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => request(app).post('/internal/v1/reservas').send({ referencia: ref(), itens: [{ produto_id: p.id, quantidade: 1 }] })),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(20);
    expect(await estoque(p.id)).toBe(0);
  });

  it('when multi-item reservations race for two products with little stock, then none oversells and each is all or nothing', async () => {
    const c = await f.categoria();
    const [a, b] = [await f.produto(c.id, { estoque: 6 }), await f.produto(c.id, { estoque: 9 })];
    const refs = Array.from({ length: 12 }, () => ref());
    const answers = await Promise.all(
      refs.map((referencia, i) => {
        const itens = [{ produto_id: a.id, quantidade: 1 }, { produto_id: b.id, quantidade: 2 }];
        return request(app).post('/internal/v1/reservas').send({ referencia, itens: i % 2 ? itens.reverse() : itens });
      }),
    );
    // b (9 units, 2 each) runs out after 4 reservations; a (6 units) is never the limit.
    expect(answers.filter((r) => r.status === 201)).toHaveLength(4);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(8);
    expect([await estoque(a.id), await estoque(b.id)]).toEqual([2, 1]);
    const guardadas = await db.write.reservaEstoque.findMany({ where: { referencia: { in: refs } }, select: { referencia: true } });
    expect(guardadas.map((g) => g.referencia).sort()).toEqual(refs.filter((_, i) => answers[i]!.status === 201).sort());
  });

  it('when reservations over the same two products in opposite orders run concurrently, then none deadlocks and the totals add up', async () => {
    const c = await f.categoria();
    const [a, b] = [await f.produto(c.id, { estoque: 100 }), await f.produto(c.id, { estoque: 100 })];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const itens = [{ produto_id: a.id, quantidade: 1 }, { produto_id: b.id, quantidade: 2 }];
        return request(app).post('/internal/v1/reservas').send({ referencia: ref(), itens: i % 2 ? itens.reverse() : itens });
      }),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect([await estoque(a.id), await estoque(b.id)]).toEqual([80, 60]);
  });
});

describe('DELETE /internal/v1/reservas/:referencia', () => {
  it('when a reservation is released twice, then the stock comes back once and both answers say liberada', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 4 });
    const referencia = ref();
    await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: p.id, quantidade: 3 }] }).expect(201);
    expect(await estoque(p.id)).toBe(1);
    const [r1, r2] = [await request(app).delete(`/internal/v1/reservas/${referencia}`), await request(app).delete(`/internal/v1/reservas/${referencia}`)];
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r1.body.status).toBe('liberada');
    expect(r2.body).toEqual(r1.body);
    expect(await estoque(p.id)).toBe(4);
  });

  it('when a released referencia is reserved again, then it answers 200 liberada and the stock is not taken again', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 4 });
    const body = { referencia: ref(), itens: [{ produto_id: p.id, quantidade: 3 }] };
    await request(app).post('/internal/v1/reservas').send(body).expect(201);
    await request(app).delete(`/internal/v1/reservas/${body.referencia}`).expect(200);
    const again = await request(app).post('/internal/v1/reservas').send(body);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('liberada');
    expect(await estoque(p.id)).toBe(4);
  });

  it('when 10 releases of one reservation run concurrently, then the stock comes back exactly once', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 5 });
    const referencia = ref();
    await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: p.id, quantidade: 5 }] }).expect(201);
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(app).delete(`/internal/v1/reservas/${referencia}`)));
    expect(answers.every((r) => r.status === 200 && r.body.status === 'liberada')).toBe(true);
    expect(await estoque(p.id)).toBe(5);
  });

  it('when the referencia is unknown, then it answers 404; when it is malformed, 400', async () => {
    expect((await request(app).delete(`/internal/v1/reservas/${ref()}`)).status).toBe(404);
    const bad = await request(app).delete('/internal/v1/reservas/tem%20espaco');
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('params.referencia');
  });

  it('when a release comes before its reservation (caller timed out and compensated), then the late reservation takes nothing', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 4 });
    const referencia = ref();
    expect((await request(app).delete(`/internal/v1/reservas/${referencia}`)).status).toBe(404);
    const late = await request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: p.id, quantidade: 3 }] });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ referencia, status: 'liberada', itens: [] });
    expect(await estoque(p.id)).toBe(4);
    expect((await request(app).delete(`/internal/v1/reservas/${referencia}`)).status).toBe(404);
  });

  it('when reservations and their releases race, then every stock unit comes back', async () => {
    const c = await f.categoria();
    const p = await f.produto(c.id, { estoque: 50 });
    const refs = Array.from({ length: 20 }, () => ref());
    await Promise.all(
      refs.flatMap((referencia) => [
        request(app).post('/internal/v1/reservas').send({ referencia, itens: [{ produto_id: p.id, quantidade: 2 }] }),
        request(app).delete(`/internal/v1/reservas/${referencia}`),
      ]),
    );
    // Whatever the order each pair ran in, a final release leaves nothing held.
    await Promise.all(refs.map((referencia) => request(app).delete(`/internal/v1/reservas/${referencia}`)));
    expect(await estoque(p.id)).toBe(50);
  });

  it('when the reservation routes are asked under /api, then they do not exist there', async () => {
    expect((await request(app).post('/api/v1/reservas').send({})).status).toBe(404);
  });
});
