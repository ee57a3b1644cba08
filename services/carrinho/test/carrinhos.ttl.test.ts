import type Redis from 'ioredis';
import request from 'supertest';
import { cartKey } from '../src/data/carrinho-repository';
import { buildApp, fakeCatalogo, produtoId, testRedis, type FakeCatalogo, type TestApp } from './support';

const BASE = '/api/v1/carrinhos';
const TTL_SECONDS = 1000;
/** A TTL well below the configured one, set by hand so a refresh is unmistakable. */
const SHORTENED_MS = 30_000;

describe('carrinho TTL: set on creation, refreshed on every change', () => {
  let catalogo: FakeCatalogo;
  let svc: TestApp;
  let redis: Redis;
  const p = produtoId();

  beforeAll(async () => {
    catalogo = await fakeCatalogo();
    catalogo.add({ id: p, nome: 'Quindim', preco: '6.50' });
    svc = await buildApp({ catalogoUrl: catalogo.url, env: { CART_TTL_SECONDS: String(TTL_SECONDS) } });
    redis = await testRedis();
  });
  afterAll(async () => {
    await redis.quit();
    await svc.close();
    await catalogo.close();
  });

  async function cartWithItem(): Promise<string> {
    const id = (await request(svc.app).post(BASE).expect(201)).body.id as string;
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 1 }).expect(201);
    await redis.pexpire(cartKey(id), SHORTENED_MS);
    return id;
  }

  const refreshed = (pttl: number) => pttl > SHORTENED_MS && pttl <= TTL_SECONDS * 1000;

  it('when a cart is created, then its Redis key carries CART_TTL_SECONDS and expira_em agrees', async () => {
    const res = await request(svc.app).post(BASE).expect(201);
    const pttl = await redis.pttl(cartKey(res.body.id));
    expect(pttl).toBeGreaterThan(SHORTENED_MS);
    expect(pttl).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    const leftMs = Date.parse(res.body.expira_em) - Date.now();
    expect(leftMs).toBeGreaterThan(SHORTENED_MS);
    expect(leftMs).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    await redis.del(cartKey(res.body.id));
  });

  it('when an item is added, then the TTL is set back to the full value', async () => {
    const id = await cartWithItem();
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 1 }).expect(200);
    expect(refreshed(await redis.pttl(cartKey(id)))).toBe(true);
    await redis.del(cartKey(id));
  });

  it('when a quantity is changed, then the TTL is set back to the full value', async () => {
    const id = await cartWithItem();
    await request(svc.app).patch(`${BASE}/${id}/itens/${p}`).send({ quantidade: 5 }).expect(200);
    expect(refreshed(await redis.pttl(cartKey(id)))).toBe(true);
    await redis.del(cartKey(id));
  });

  it('when an item is removed, then the (now empty) cart lives on with the full TTL', async () => {
    const id = await cartWithItem();
    await request(svc.app).delete(`${BASE}/${id}/itens/${p}`).expect(200);
    expect(refreshed(await redis.pttl(cartKey(id)))).toBe(true);
    await request(svc.app).get(`${BASE}/${id}`).expect(200);
    await redis.del(cartKey(id));
  });

  it('when an item the cart does not hold is removed, then it answers 200 and the TTL is not extended (nothing changed)', async () => {
    const id = await cartWithItem();
    await request(svc.app).delete(`${BASE}/${id}/itens/${produtoId()}`).expect(200);
    expect(await redis.pttl(cartKey(id))).toBeLessThanOrEqual(SHORTENED_MS);
    await redis.del(cartKey(id));
  });

  it('when the cart is only read, then its TTL is not extended (reading is not a change)', async () => {
    const id = await cartWithItem();
    await request(svc.app).get(`${BASE}/${id}`).expect(200);
    expect(await redis.pttl(cartKey(id))).toBeLessThanOrEqual(SHORTENED_MS);
    await redis.del(cartKey(id));
  });

  it('when a change is refused, then the TTL is not touched (no partial write)', async () => {
    const id = await cartWithItem();
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: svc.config.ITEM_MAX_QUANTITY }).expect(409);
    expect(await redis.pttl(cartKey(id))).toBeLessThanOrEqual(SHORTENED_MS);
    await redis.del(cartKey(id));
  });

  it('when the key expires, then the cart is gone: 404 and an add does not bring it back', async () => {
    const id = await cartWithItem();
    await redis.expire(cartKey(id), 0); // what Redis does when the TTL runs out: the key is removed
    await request(svc.app).get(`${BASE}/${id}`).expect(404);
    await request(svc.app).post(`${BASE}/${id}/itens`).send({ produto_id: p, quantidade: 1 }).expect(404);
    expect(await redis.exists(cartKey(id))).toBe(0);
  });

  it('when a cart is stored, then the key follows the documented data model', async () => {
    const id = await cartWithItem();
    const hash = await redis.hgetall(cartKey(id));
    expect(Object.keys(hash).sort()).toEqual(['criado_em', `p:${p}`, `q:${p}`]);
    expect(hash[`q:${p}`]).toBe('1');
    expect(JSON.parse(hash[`p:${p}`]!)).toEqual({ v: true, nome: 'Quindim', c: 650 });
    await redis.del(cartKey(id));
  });
});
