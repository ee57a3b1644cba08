/** Bad input never reaches Redis: a 4xx with a JSON problem body that names what is wrong, never a 500. */
import type Redis from 'ioredis';
import request from 'supertest';
import { cartKey } from '../src/data/carrinho-repository';
import { buildApp, fakeCatalogo, produtoId, testRedis, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';

describe('carrinho input validation', () => {
  let catalogo: FakeCatalogo;
  let svc: TestApp;
  let redis: Redis;
  let id: string;
  const p = produtoId();

  beforeAll(async () => {
    catalogo = await fakeCatalogo();
    catalogo.add({ id: p, nome: 'Brigadeiro', preco: '2.50' });
    svc = await buildApp({ catalogoUrl: catalogo.url, env: { BODY_LIMIT_BYTES: '1024' } });
    redis = await testRedis();
  });
  beforeEach(async () => {
    id = (await request(svc.app).post(BASE).expect(201)).body.id;
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 2 }).expect(201);
  });
  afterEach(async () => {
    // every bad request left the cart exactly as it was
    expect(await redis.hget(cartKey(id), `q:${p}`)).toBe('2');
    await redis.del(cartKey(id));
  });
  afterAll(async () => {
    await redis.quit();
    await svc.close();
    await catalogo.close();
  });

  const addBodies: [string, unknown, string][] = [
    ['produto_id missing', { quantidade: 1 }, 'body.produto_id'],
    ['quantidade missing', { produto_id: 1 }, 'body.quantidade'],
    ['produto_id a string', { produto_id: '1', quantidade: 1 }, 'body.produto_id'],
    ['produto_id not an integer', { produto_id: 1.5, quantidade: 1 }, 'body.produto_id'],
    ['produto_id zero', { produto_id: 0, quantidade: 1 }, 'body.produto_id'],
    ['produto_id negative', { produto_id: -3, quantidade: 1 }, 'body.produto_id'],
    ['produto_id beyond the integer range', { produto_id: 2 ** 31, quantidade: 1 }, 'body.produto_id'],
    ['quantidade zero', { produto_id: 1, quantidade: 0 }, 'body.quantidade'],
    ['quantidade negative', { produto_id: 1, quantidade: -1 }, 'body.quantidade'],
    ['quantidade fractional', { produto_id: 1, quantidade: 1.2 }, 'body.quantidade'],
    ['quantidade huge', { produto_id: 1, quantidade: 1e308 }, 'body.quantidade'],
    ['quantidade above ITEM_MAX_QUANTITY', { produto_id: 1, quantidade: 100 }, 'body.quantidade'],
    ['quantidade a string', { produto_id: 1, quantidade: '2' }, 'body.quantidade'],
    ['quantidade null', { produto_id: 1, quantidade: null }, 'body.quantidade'],
    ['an unknown field', { produto_id: 1, quantidade: 1, preco: '0.01' }, 'preco'],
    ['an array instead of an object', [{ produto_id: 1, quantidade: 1 }], 'body'],
  ];

  it.each(addBodies)('when adding with %s, then it is a 400 naming the field', async (_what, body, field) => {
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).send(body as object).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(res.body.message).toContain(field);
  });

  it('when the body is malformed JSON, then it is a 400 malformed_json', async () => {
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).set('Content-Type', 'application/json').send('{"produto_id": 1,').expect(400);
    expect(res.body.code).toBe('malformed_json');
  });

  it('when there is no JSON body at all, then it is a 400 naming the body', async () => {
    const res = await request(svc.app).post(`${BASE}/${id}/itens`).set('Content-Type', 'text/plain').send('produto_id=1').expect(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'body' })]);
  });

  it('when the body is larger than the limit, then it is a 413 with a JSON body', async () => {
    const res = await request(svc.app)
      .post(`${BASE}/${id}/itens`)
      .send({ produto_id: p, quantidade: 1, filler: 'x'.repeat(4096) })
      .expect(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it.each([
    ['not a uuid', 'abc'],
    ['an uppercase uuid', '7D1C2B9E-4F3A-4B6C-8D2E-1A2B3C4D5E6F'],
    ['a uuid of another version', '7d1c2b9e-4f3a-1b6c-8d2e-1a2b3c4d5e6f'],
    ['a redis key pattern', 'carrinho:*'],
  ])('when the cart id is %s, then every route answers 400 naming params.id', async (_what, bad) => {
    const path = `${BASE}/${encodeURIComponent(bad)}`;
    for (const res of [
      await request(svc.app).get(path),
      await request(svc.app).delete(path),
      await request(svc.app).post(`${path}/itens`).send({ produto_id: p, quantidade: 1 }),
      await request(svc.app).patch(`${path}/itens/${p}`).send({ quantidade: 1 }),
      await request(svc.app).delete(`${path}/itens/${p}`),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'params.id' })]);
    }
  });

  it.each([['0'], ['-1'], ['1.5'], ['abc'], ['99999999999'], ['01']])(
    'when the produto_id in the path is %s, then it is a 400 naming params.produto_id',
    async (bad) => {
      const patch = await request(svc.app).patch(`${BASE}/${id}/itens/${bad}`).send({ quantidade: 1 }).expect(400);
      expect(patch.body.details).toEqual([expect.objectContaining({ field: 'params.produto_id' })]);
      const del = await request(svc.app).delete(`${BASE}/${id}/itens/${bad}`).expect(400);
      expect(del.body.details).toEqual([expect.objectContaining({ field: 'params.produto_id' })]);
    },
  );

  it.each([
    ['zero', { quantidade: 0 }],
    ['above the max', { quantidade: 100 }],
    ['a string', { quantidade: 'muitos' }],
    ['missing', {}],
    ['with an unknown field', { quantidade: 1, produto_id: 3 }],
  ])('when a quantity change is %s, then it is a 400 about the body', async (_what, body) => {
    const res = await request(svc.app).patch(`${BASE}/${id}/itens/${p}`).send(body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.message).toMatch(/body/);
  });

  it('when a cart is created with unexpected fields, then it is a 400 and no cart is made', async () => {
    const res = await request(svc.app).post(BASE).send({ id: 'escolhido-por-mim' }).expect(400);
    expect(res.body.message).toContain('id');
    expect(res.headers.location).toBeUndefined();
  });
});
