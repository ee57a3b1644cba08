/**
 * `npm run db:seed -- --reset`: whatever tests and ad hoc runs left in a stack (products, orders, carts) goes,
 * and the data is the seed again, on the real databases and Redis of the test stack. The CLI refuses an
 * option it does not know instead of ignoring it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { Client } from 'pg';
import Redis from 'ioredis';
import { databaseUrl, gatewayUrl, loadTopology, redisUrl, REPO_ROOT, type DbServiceName } from '@brigadeiro/topology';
import { resetData, seedAll } from '../scripts/db';

const t = loadTopology();
const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 15_000 });
const admin = { Authorization: `Bearer ${t.adminToken}` };

async function um(svc: DbServiceName, sql: string, params: unknown[] = []): Promise<number> {
  const c = new Client({ connectionString: databaseUrl(t, svc) });
  await c.connect();
  try {
    return Number(Object.values((await c.query(sql, params)).rows[0] as object)[0]);
  } finally {
    await c.end();
  }
}

it('when a stack holds leftovers, then reset + seed leaves exactly the seed: 30 products, 100 orders, no carts', async () => {
  const categoria = (await gw.get('/api/v1/categorias')).data[0];
  const sobra = await gw.post('/api/v1/produtos', { nome: 'Sobra de teste', preco: '1.00', estoque: 1, categoria_id: categoria.id }, { headers: admin });
  expect(sobra.status).toBe(201);
  const carrinho = await gw.post('/api/v1/carrinhos', {});
  expect(carrinho.status).toBe(201);
  expect(await um('catalogo', 'SELECT count(*) FROM produtos WHERE id = $1', [sobra.data.id])).toBe(1);

  const r = await resetData(t);
  const { seeded } = await seedAll(t);

  expect(r.carts).toBeGreaterThanOrEqual(1);
  expect(seeded).toBe(true);
  expect(await um('catalogo', 'SELECT count(*) FROM produtos')).toBe(30);
  expect(await um('catalogo', "SELECT count(*) FROM produtos WHERE nome = 'Sobra de teste'")).toBe(0);
  expect(await um('catalogo', 'SELECT count(*) FROM categorias')).toBe(6);
  expect(await um('pedidos', 'SELECT count(*) FROM pedidos')).toBe(100);
  expect(await um('pedidos', 'SELECT count(*) FROM tarefas_pendentes')).toBe(0);
  const redis = new Redis(redisUrl(t));
  try {
    expect(await redis.exists(`carrinho:${carrinho.data.id}`)).toBe(0);
  } finally {
    redis.disconnect();
  }
  // The stack keeps working on the seeded data: a new product gets an id past the seed's.
  const novo = await gw.post('/api/v1/produtos', { nome: 'Depois do reset', preco: '2.00', estoque: 1, categoria_id: categoria.id }, { headers: admin });
  expect(novo.status).toBe(201);
  expect(novo.data.id).toBeGreaterThan(30);
  await um('catalogo', 'WITH d AS (DELETE FROM produtos WHERE id = $1 RETURNING 1) SELECT count(*) FROM d', [novo.data.id]);
}, 120_000);

it('when the db command gets an option it does not know, then it fails with the usage and touches nothing', async () => {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const err = await promisify(execFile)(tsx, [path.join(REPO_ROOT, 'scripts', 'cli', 'db.ts'), 'seed', '--rest'], { cwd: REPO_ROOT }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 2 });
  expect((err as { stderr: string }).stderr).toMatch(/Unknown option '--rest'[\s\S]*usage: db migrate \| db seed \[--reset\]/);
});
