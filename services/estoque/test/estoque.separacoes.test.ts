/**
 * estoque against its real database and the stack's real catalogo: separation reserves every item at catalogo
 * once (idempotent, also under concurrent duplicates), insufficient stock leaves no partial decrement, release
 * gives the stock back once (even when only catalogo knew the reservation), catalogo down is a fast 503 with
 * the breaker on /metrics, concurrent separations never oversell, and fault injection.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createFaultState, type FaultState } from '@brigadeiro/chaos';
import { Separacao } from '@brigadeiro/contracts';
import { Downstream } from '@brigadeiro/http-client';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics, type Metrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology, serviceUrl } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { openDatabase, type Database } from '../src/data/database';
import { closedPort, novoPedidoId } from '@brigadeiro/testing';
import { produtosDeTeste } from './support';

const t = loadTopology();
const database = openDatabase(databaseUrl(t, 'estoque'), { max: 10 });
const quiet = createLogger({ service: 'estoque', level: 'silent' });
const admin = { Authorization: `Bearer ${t.adminToken}` };
const produtos = produtosDeTeste(t);
const usados: number[] = [];
const estados: FaultState[] = [];
const clientes: Downstream[] = [];

function app(opts: { catalogoUrl?: string; metrics?: Metrics; database?: Database } = {}) {
  const metrics = opts.metrics ?? createMetrics({ service: 'estoque' });
  const faults = createFaultState({ service: 'estoque' });
  const catalogo = new Downstream({ name: 'catalogo', baseURL: opts.catalogoUrl ?? serviceUrl(t, 'catalogo'), timeoutMs: 5000, volumeThreshold: 3, resetTimeoutMs: 30_000 }, { metrics });
  estados.push(faults);
  clientes.push(catalogo);
  return createApp({ logger: quiet, metrics, database: opts.database ?? database, catalogo, faults, adminToken: t.adminToken });
}

/**
 * The database as a failover leaves it: each statement matching `marker` commits, its answer is lost, and the
 * retry (what db.query does after a dropped connection) runs it again and answers.
 */
function respostaPerdida(marker: RegExp): Database {
  const query = async (text: string, values: unknown[], retry?: Parameters<Database['query']>[2]) => {
    if (marker.test(text)) await database.query(text, values, retry);
    return database.query(text, values, retry);
  };
  return { ...database, query: query as Database['query'] };
}

function pedidoId(): number {
  const id = novoPedidoId();
  usados.push(id);
  return id;
}

async function separacoes(id: number) {
  return database.prisma.separacao.findMany({ where: { pedidoId: id }, select: { status: true } });
}

async function operacoes(id: number) {
  return database.prisma.operacao.findMany({ where: { pedidoId: id }, select: { operacao: true, resultado: true }, orderBy: { id: 'asc' } });
}

async function detalhes(id: number) {
  return (await database.prisma.operacao.findMany({ where: { pedidoId: id }, select: { resultado: true, detalhe: true }, orderBy: { id: 'asc' } })).map(
    (o) => [o.resultado, o.detalhe],
  );
}

afterEach(async () => {
  for (const f of estados.splice(0)) f.close();
  for (const c of clientes.splice(0)) c.shutdown();
  await produtos.limpar(usados);
});

afterAll(async () => {
  await database.prisma.separacao.deleteMany({ where: { pedidoId: { in: usados } } });
  await database.prisma.operacao.deleteMany({ where: { pedidoId: { in: usados } } });
  await Promise.all([database.close(), produtos.close()]);
});

describe('POST /internal/v1/separacoes', () => {
  it('when the items are in stock, then it answers 201 separado, catalogo holds them, and a replay answers 200 without taking more', async () => {
    const [a, b] = [await produtos.produto(5), await produtos.produto(2)];
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 2 }, { produto_id: b, quantidade: 2 }] };
    const api = app();
    const first = await request(api).post('/internal/v1/separacoes').send(body);
    expect(first.status).toBe(201);
    expect(Separacao.parse(first.body)).toMatchObject({ pedido_id: body.pedido_id, status: 'separado', itens: body.itens, liberado_em: null });
    const replay = await request(api).post('/internal/v1/separacoes').send(body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    expect([await produtos.estoque(a), await produtos.estoque(b)]).toEqual([3, 0]);
    expect(await operacoes(body.pedido_id)).toEqual([
      { operacao: 'separar', resultado: 'separado' },
      { operacao: 'separar', resultado: 'repetido_separado' },
    ]);
    expect(await detalhes(body.pedido_id)).toEqual([
      ['separado', { itens: body.itens }],
      ['repetido_separado', null],
    ]);
  });

  it('when the commit of a separation is retried because its answer was lost, then the retry answers the stored separation as a repeat and the stock is taken once', async () => {
    const a = await produtos.produto(5);
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 2 }] };
    const res = await request(app({ database: respostaPerdida(/INSERT INTO separacoes/) })).post('/internal/v1/separacoes').send(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pedido_id: body.pedido_id, status: 'separado', itens: body.itens });
    expect(await separacoes(body.pedido_id)).toHaveLength(1);
    expect(await produtos.estoque(a)).toBe(3);
    expect(await detalhes(body.pedido_id)).toEqual([
      ['separado', { itens: body.itens }],
      ['repetido_separado', { itens: body.itens }],
    ]);
  });

  it('when 10 duplicates of one separation arrive concurrently, then one row exists and the stock is taken once', async () => {
    const a = await produtos.produto(10);
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 3 }] };
    const api = app();
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(api).post('/internal/v1/separacoes').send(body)));
    expect(answers.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await separacoes(body.pedido_id)).toHaveLength(1);
    expect(await produtos.estoque(a)).toBe(7);
    const log = (await operacoes(body.pedido_id)).map((o) => o.resultado);
    expect(log.filter((r) => r === 'separado')).toHaveLength(1);
    expect(log.filter((r) => r === 'repetido_separado')).toHaveLength(9);
  });

  it('when one item is short, then it answers 409 insufficient_stock with catalogo details and nothing is decremented or stored', async () => {
    const [a, b] = [await produtos.produto(5), await produtos.produto(1)];
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 2 }, { produto_id: b, quantidade: 3 }] };
    const res = await request(app()).post('/internal/v1/separacoes').send(body);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'insufficient_stock', details: { produto_id: b, disponivel: 1, solicitado: 3 } });
    expect([await produtos.estoque(a), await produtos.estoque(b)]).toEqual([5, 1]);
    expect(await separacoes(body.pedido_id)).toHaveLength(0);
    expect(await operacoes(body.pedido_id)).toEqual([{ operacao: 'separar', resultado: 'insufficient_stock' }]);
  });

  it('when a product does not exist, then it answers 404 product_not_found and stores nothing', async () => {
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: 2_000_000_000, quantidade: 1 }] };
    const res = await request(app()).post('/internal/v1/separacoes').send(body);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('product_not_found');
    expect(await separacoes(body.pedido_id)).toHaveLength(0);
  });

  it.each([
    ['no itens', { itens: [] }, 'body.itens'],
    ['a negative quantity', { itens: [{ produto_id: 1, quantidade: -1 }] }, 'body.itens.0.quantidade'],
    ['a product listed twice', { itens: [{ produto_id: 1, quantidade: 1 }, { produto_id: 1, quantidade: 1 }] }, 'body.itens'],
    ['a string pedido_id', { pedido_id: 'abc' }, 'body.pedido_id'],
  ])('when the body has %s, then it answers 400 naming the field', async (_w, change, field) => {
    const res = await request(app()).post('/internal/v1/separacoes').send({ pedido_id: pedidoId(), itens: [{ produto_id: 1, quantidade: 1 }], ...change });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('when 30 separations of 1 unit race for a stock of 10, then exactly 10 succeed, 20 get 409 and the stock ends at 0', async () => {
    const a = await produtos.produto(10);
    const api = app();
    const ids = Array.from({ length: 30 }, () => pedidoId());
    const answers = await Promise.all(ids.map((id) => request(api).post('/internal/v1/separacoes').send({ pedido_id: id, itens: [{ produto_id: a, quantidade: 1 }] })));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(20);
    expect(await produtos.estoque(a)).toBe(0);
  });
});

describe('POST /internal/v1/separacoes/:pedido_id/liberacao', () => {
  it('when a separation is released twice, then the stock comes back once and both answers say liberado', async () => {
    const a = await produtos.produto(4);
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 3 }] };
    const api = app();
    await request(api).post('/internal/v1/separacoes').send(body).expect(201);
    expect(await produtos.estoque(a)).toBe(1);
    const r1 = await request(api).post(`/internal/v1/separacoes/${body.pedido_id}/liberacao`);
    const r2 = await request(api).post(`/internal/v1/separacoes/${body.pedido_id}/liberacao`);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(Separacao.parse(r1.body)).toMatchObject({ status: 'liberado' });
    expect(r1.body.liberado_em).not.toBeNull();
    expect(r2.body).toEqual(r1.body);
    expect(await produtos.estoque(a)).toBe(4);
    expect((await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`)).toEqual(['separar/separado', 'liberar/liberado', 'liberar/repetido_liberado']);
    expect((await detalhes(body.pedido_id)).slice(1)).toEqual([
      ['liberado', { itens: body.itens }],
      ['repetido_liberado', null],
    ]);
  });

  it('when 5 releases of one separation arrive concurrently, then all answer the same liberado separation, the stock comes back once and each is logged', async () => {
    const a = await produtos.produto(4);
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 3 }] };
    const api = app();
    await request(api).post('/internal/v1/separacoes').send(body).expect(201);
    const answers = await Promise.all(Array.from({ length: 5 }, () => request(api).post(`/internal/v1/separacoes/${body.pedido_id}/liberacao`)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(answers[0]!.body).toMatchObject({ status: 'liberado', itens: body.itens });
    expect(await produtos.estoque(a)).toBe(4);
    const liberacoes = (await detalhes(body.pedido_id)).slice(1);
    expect(liberacoes).toHaveLength(5);
    // Each one read the row separado (and moved it, or found it moved) or already liberado.
    for (const l of liberacoes) expect([['liberado', { itens: body.itens }], ['repetido_liberado', null]]).toContainEqual(l);
    expect(liberacoes.map(([resultado]) => resultado)).toContain('liberado');
  });

  it('when catalogo reserved but estoque never recorded it (answer lost), then the release still gives the stock back', async () => {
    const a = await produtos.produto(4);
    const id = pedidoId();
    expect(await produtos.reservarNoCatalogo(id, [{ produto_id: a, quantidade: 2 }])).toBe(201);
    expect(await produtos.estoque(a)).toBe(2);
    const res = await request(app()).post(`/internal/v1/separacoes/${id}/liberacao`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pedido_id: id, status: 'liberado', itens: [{ produto_id: a, quantidade: 2 }] });
    expect(await produtos.estoque(a)).toBe(4);
    expect(await detalhes(id)).toEqual([['liberado_sem_separacao_local', { itens: [{ produto_id: a, quantidade: 2 }] }]]);
  });

  it('when the release comes before the separation (caller timed out and compensated), then the late separation takes no stock', async () => {
    const a = await produtos.produto(4);
    const id = pedidoId();
    expect((await request(app()).post(`/internal/v1/separacoes/${id}/liberacao`)).status).toBe(404);
    const late = await request(app()).post('/internal/v1/separacoes').send({ pedido_id: id, itens: [{ produto_id: a, quantidade: 2 }] });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('reservation_released');
    expect(await produtos.estoque(a)).toBe(4);
    expect(await separacoes(id)).toHaveLength(0);
  });

  it('when neither estoque nor catalogo knows the order, then it answers 404', async () => {
    const id = pedidoId();
    const res = await request(app()).post(`/internal/v1/separacoes/${id}/liberacao`);
    expect(res.status).toBe(404);
    expect(await operacoes(id)).toEqual([{ operacao: 'liberar', resultado: 'inexistente' }]);
  });
});

describe('estoque when catalogo is down', () => {
  it('when catalogo does not answer, then separations get a 503 with Retry-After, nothing is stored, and the breaker opens (on /metrics)', async () => {
    const metrics = createMetrics({ service: 'estoque' });
    const api = app({ catalogoUrl: `http://127.0.0.1:${await closedPort()}`, metrics });
    const ids = Array.from({ length: 4 }, () => pedidoId());
    for (const id of ids) {
      const res = await request(api).post('/internal/v1/separacoes').send({ pedido_id: id, itens: [{ produto_id: 1, quantidade: 1 }] });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body.code).toBe('service_unavailable');
    }
    const last = await request(api).post('/internal/v1/separacoes').send({ pedido_id: ids[0], itens: [{ produto_id: 1, quantidade: 1 }] });
    expect(last.status).toBe(503);
    expect(last.body.message).toMatch(/circuit breaker open/);
    expect((await request(api).get('/metrics')).text).toMatch(/circuit_breaker_state\{breaker="catalogo"[^}]*\} 2/);
    for (const id of ids) expect(await separacoes(id)).toHaveLength(0);
    // /ready is about estoque's own database only.
    expect((await request(api).get('/ready')).status).toBe(200);
  });
});

describe('estoque when catalogo breaks its contract', () => {
  // A catalogo that is up but answers outside the reservation contract cannot be produced by the real one:
  // a local server on 127.0.0.1 plays that broken catalogo (a fault double, not a stand-in for a healthy one).
  it('when catalogo answers a reservation or a release outside its contract, then estoque answers 502 bad_gateway naming it, not 503', async () => {
    const quebrado = http.createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ referencia: 42, itens: 'nenhum' }));
    });
    await new Promise<void>((r) => quebrado.listen(0, '127.0.0.1', r));
    try {
      const api = app({ catalogoUrl: `http://127.0.0.1:${(quebrado.address() as AddressInfo).port}` });
      const id = pedidoId();
      const res = await request(api).post('/internal/v1/separacoes').send({ pedido_id: id, itens: [{ produto_id: 1, quantidade: 1 }] });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'bad_gateway', message: expect.stringMatching(/outside its reservation contract/) });
      expect(res.headers['retry-after']).toBeUndefined();
      expect(await separacoes(id)).toHaveLength(0);
      const liberacao = await request(api).post(`/internal/v1/separacoes/${id}/liberacao`);
      expect(liberacao.status).toBe(502);
      expect(liberacao.body.code).toBe('bad_gateway');
    } finally {
      await new Promise((r) => quebrado.close(r));
    }
  });
});

describe('estoque fault injection', () => {
  it('when errors=100% is on, then separations get 503 injected_fault and catalogo is not called; after reset they work', async () => {
    const a = await produtos.produto(3);
    const api = app();
    const body = { pedido_id: pedidoId(), itens: [{ produto_id: a, quantidade: 1 }] };
    await request(api).put('/admin/falhas').set(admin).send({ taxa_erro: 1 }).expect(200);
    const res = await request(api).post('/internal/v1/separacoes').send(body);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('injected_fault');
    expect(await produtos.estoque(a)).toBe(3);
    await request(api).delete('/admin/falhas').set(admin).expect(200);
    expect((await request(api).post('/internal/v1/separacoes').send(body)).status).toBe(201);
    expect(await produtos.estoque(a)).toBe(2);
  });
});
