/**
 * carrinho through the gateway of the running stack: the real catalogo, Redis and t.carrinhoInstances
 * carrinho instances behind nginx (round robin). A cart made through one instance is served by any other.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { gatewayUrl, loadTopology, redisUrl } from '@brigadeiro/topology';

const t = loadTopology();
const GATEWAY = gatewayUrl(t);
const CARRINHOS = `${GATEWAY}/api/v1/carrinhos`;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

interface Item {
  produto_id: number;
  nome: string | null;
  preco_unitario: string | null;
  quantidade: number;
  subtotal: string | null;
  verificado: boolean;
}
interface Carrinho {
  id: string;
  itens: Item[];
  total: string;
  expira_em: string;
}
interface Produto {
  id: number;
  nome: string;
  preco: string;
  ativo?: boolean;
}

async function call<T = Carrinho>(method: string, url: string, body?: unknown) {
  const res = await fetch(url, { method, headers: JSON_HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, servedBy: res.headers.get('x-served-by'), location: res.headers.get('location'), body: (text ? JSON.parse(text) : undefined) as T };
}

async function novoCarrinho(): Promise<string> {
  const res = await call('POST', CARRINHOS);
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Seeded products (ids 1..30) that are for sale, read from catalogo through the gateway. */
async function produtosSemeados(n: number): Promise<Produto[]> {
  const res = await call<Produto[]>('GET', `${GATEWAY}/api/v1/produtos?limit=30`);
  expect(res.status).toBe(200);
  const vendaveis = res.body.filter((p) => p.id >= 1 && p.id <= 30 && p.ativo !== false);
  expect(vendaveis.length).toBeGreaterThanOrEqual(n);
  return vendaveis.slice(0, n);
}

/** "12.9" or "12.90" -> "12.90" (catalogo's price, as the cart shows it). */
const duasCasas = (preco: string) => {
  const [inteiro, frac = ''] = preco.split('.');
  return `${inteiro}.${frac.padEnd(2, '0')}`;
};

describe('carrinho through the gateway', () => {
  let redis: Redis;
  const criados: string[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl(t), { lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    for (const id of criados) await redis.del(`carrinho:${id}`);
    await redis.quit();
  });

  it('when a cart goes through its whole life via the gateway, then every step answers as documented', async () => {
    const [a, b] = await produtosSemeados(2);
    const criado = await call('POST', CARRINHOS);
    expect(criado.status).toBe(201);
    const id = criado.body.id;
    criados.push(id);
    expect(criado.location).toBe(`/api/v1/carrinhos/${id}`);
    expect(criado.body).toMatchObject({ itens: [], total: '0.00' });

    const add = await call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: a!.id, quantidade: 2 });
    expect(add.status).toBe(201);
    expect(add.body.itens).toEqual([
      expect.objectContaining({ produto_id: a!.id, nome: a!.nome, preco_unitario: duasCasas(a!.preco), quantidade: 2, verificado: true }),
    ]);
    await call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: b!.id, quantidade: 1 });

    const patch = await call('PATCH', `${CARRINHOS}/${id}/itens/${a!.id}`, { quantidade: 5 });
    expect(patch.status).toBe(200);
    expect(patch.body.itens.find((i) => i.produto_id === a!.id)?.quantidade).toBe(5);

    const removed = await call('DELETE', `${CARRINHOS}/${id}/itens/${b!.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.itens.map((i) => i.produto_id)).toEqual([a!.id]);

    const got = await call('GET', `${CARRINHOS}/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.itens[0]!.subtotal).toBe(got.body.total);

    expect((await call('DELETE', `${CARRINHOS}/${id}`)).status).toBe(204);
    const gone = await call<{ code: string }>('GET', `${CARRINHOS}/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('not_found');
  });

  it('when an item removal is sent again (as nginx re-sends a timed-out DELETE to another instance), then both answer 200 with the same cart, and a missing cart is still 404', async () => {
    const [a, b] = await produtosSemeados(2);
    const id = await novoCarrinho();
    criados.push(id);
    await call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: a!.id, quantidade: 1 });
    await call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: b!.id, quantidade: 2 });

    const first = await call('DELETE', `${CARRINHOS}/${id}/itens/${a!.id}`);
    const second = await call('DELETE', `${CARRINHOS}/${id}/itens/${a!.id}`);
    expect([first.status, second.status]).toEqual([200, 200]);
    // Any instance may answer either: the removal is idempotent in Redis, whichever instance runs it.
    expect({ ...second.body, expira_em: '' }).toEqual({ ...first.body, expira_em: '' });
    expect(first.body.itens.map((i) => i.produto_id)).toEqual([b!.id]);

    const ghost = await call<{ code: string }>('DELETE', `${CARRINHOS}/${randomUUID()}/itens/${a!.id}`);
    expect(ghost.status).toBe(404);
    expect(ghost.body.code).toBe('not_found');
  });

  it('when a cart is created and changed, then its TTL is visible on its Redis key and refreshed by the change', async () => {
    const [p] = await produtosSemeados(1);
    const id = await novoCarrinho();
    criados.push(id);
    const key = `carrinho:${id}`;
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(Date.parse((await call('GET', `${CARRINHOS}/${id}`)).body.expira_em) - Date.now() + 1000);

    await redis.pexpire(key, 60_000);
    expect((await call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: p!.id, quantidade: 1 })).status).toBe(201);
    expect(await redis.pttl(key)).toBeGreaterThan(60_000);
  });

  it('when ~30 requests go through the gateway, then every carrinho instance serves some of them', async () => {
    const id = await novoCarrinho();
    criados.push(id);
    const servedBy = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await call('GET', `${CARRINHOS}/${id}`);
      expect(res.status).toBe(200);
      servedBy.add(String(res.servedBy));
    }
    const expected = Array.from({ length: t.carrinhoInstances }, (_, i) => `carrinho-${i + 1}`);
    expect([...servedBy].sort()).toEqual(expected.sort());
  });

  it('when 90 adds of one product hit one cart at once through the gateway, then none is lost', async () => {
    const [p] = await produtosSemeados(1);
    const id = await novoCarrinho();
    criados.push(id);
    const results = await Promise.all(
      Array.from({ length: 90 }, () => call('POST', `${CARRINHOS}/${id}/itens`, { produto_id: p!.id, quantidade: 1 })),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    if (t.carrinhoInstances > 1) expect(new Set(results.map((r) => r.servedBy)).size).toBeGreaterThan(1);
    const cart = await call('GET', `${CARRINHOS}/${id}`);
    expect(cart.body.itens).toEqual([expect.objectContaining({ produto_id: p!.id, quantidade: 90 })]);
  });

  it('when bad input reaches carrinho through the gateway, then the JSON problem body names the field', async () => {
    const id = await novoCarrinho();
    criados.push(id);
    const res = await call<{ status: number; message: string }>('POST', `${CARRINHOS}/${id}/itens`, { produto_id: 'um', quantidade: 0 });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('body.produto_id');
    expect(res.body.message).toContain('body.quantidade');
    const bad = await call<{ message: string }>('GET', `${CARRINHOS}/nao-e-um-id`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('params.id');
  });
});
