/**
 * logistica against its real database: a shipment with a valid S10 code, idempotent creation (replay and
 * concurrent duplicates), creation and despacho in one call (`despachar: true`), despacho and entrega
 * (idempotent, 409 out of order, 404 unknown), validation, the operation log and fault injection.
 */
import request from 'supertest';
import { createFaultState, type FaultState } from '@brigadeiro/chaos';
import { Envio } from '@brigadeiro/contracts';
import { cnpjWithCheckDigits, isValidS10, nfeAccessKey } from '@brigadeiro/documentos';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { openDatabase, type Database } from '../src/data/database';
import { novoPedidoId } from '@brigadeiro/testing';

const t = loadTopology();
const database = openDatabase(databaseUrl(t, 'logistica'), { max: 5 });
const quiet = createLogger({ service: 'logistica', level: 'silent' });
const admin = { Authorization: `Bearer ${t.adminToken}` };
const usados: number[] = [];
const estados: FaultState[] = [];
const CHAVE = nfeAccessKey({ uf: 'SP', emitidaEm: new Date(), cnpj: cnpjWithCheckDigits('123456780001'), serie: 1, numero: 7, codigoNumerico: 12345678 });

function app(db: Database = database) {
  const faults = createFaultState({ service: 'logistica' });
  estados.push(faults);
  return createApp({ logger: quiet, metrics: createMetrics({ service: 'logistica' }), database: db, faults, adminToken: t.adminToken });
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

function pedido() {
  const pedido_id = novoPedidoId();
  usados.push(pedido_id);
  return { pedido_id, nota_fiscal_chave: CHAVE };
}

async function operacoes(pedidoId: number) {
  return database.prisma.operacao.findMany({ where: { pedidoId }, select: { operacao: true, resultado: true }, orderBy: { id: 'asc' } });
}

async function detalhes(pedidoId: number) {
  return (await database.prisma.operacao.findMany({ where: { pedidoId }, select: { resultado: true, detalhe: true }, orderBy: { id: 'asc' } })).map(
    (o) => [o.resultado, o.detalhe],
  );
}

afterAll(async () => {
  for (const f of estados) f.close();
  await database.prisma.envio.deleteMany({ where: { pedidoId: { in: usados } } });
  await database.prisma.operacao.deleteMany({ where: { pedidoId: { in: usados } } });
  await database.close();
});

describe('POST /internal/v1/envios', () => {
  it('when a shipment is created, then it answers 201 aguardando_envio with a valid S10 code from Brazil', async () => {
    const body = pedido();
    const res = await request(app()).post('/internal/v1/envios').send(body);
    expect(res.status).toBe(201);
    const envio = Envio.parse(res.body);
    expect(envio).toMatchObject({ pedido_id: body.pedido_id, status: 'aguardando_envio', despachado_em: null, entregue_em: null });
    expect(isValidS10(envio.codigo_rastreamento)).toBe(true);
    expect(envio.codigo_rastreamento).toMatch(/^BG\d{9}BR$/);
    expect(await operacoes(body.pedido_id)).toEqual([{ operacao: 'criar', resultado: 'criado' }]);
  });

  it('when the same order asks twice, then the second answers 200 with the same code', async () => {
    const a = app();
    const body = pedido();
    const first = await request(a).post('/internal/v1/envios').send(body);
    const second = await request(a).post('/internal/v1/envios').send(body);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    const codigo_rastreamento = first.body.codigo_rastreamento;
    expect(await detalhes(body.pedido_id)).toEqual([
      ['criado', { codigo_rastreamento }],
      ['repetido', { codigo_rastreamento }],
    ]);
  });

  it('when the commits of a creation and a despacho are retried because their answers were lost, then each retry answers the stored shipment as a repeat', async () => {
    const a = app(respostaPerdida(/INSERT INTO envios|UPDATE envios/));
    const body = pedido();
    const criado = await request(a).post('/internal/v1/envios').send(body);
    expect(criado.status).toBe(200);
    expect(Envio.parse(criado.body)).toMatchObject({ pedido_id: body.pedido_id, status: 'aguardando_envio' });
    const despacho = await request(a).post(`/internal/v1/envios/${body.pedido_id}/despacho`);
    expect(despacho.status).toBe(200);
    expect(despacho.body).toMatchObject({ codigo_rastreamento: criado.body.codigo_rastreamento, status: 'enviado' });
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(1);
    expect((await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`)).toEqual([
      'criar/criado',
      'criar/repetido',
      'despachar/enviado',
      'despachar/repetido_enviado',
    ]);
  });

  it('when 10 duplicates arrive concurrently, then one shipment exists and every answer carries its code', async () => {
    const a = app();
    const body = pedido();
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(a).post('/internal/v1/envios').send(body)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(answers.map((r) => r.body.codigo_rastreamento)).size).toBe(1);
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(1);
    const log = (await operacoes(body.pedido_id)).map((o) => o.resultado);
    expect(log.filter((r) => r === 'criado')).toHaveLength(1);
    expect(log.filter((r) => r === 'repetido')).toHaveLength(9);
  });

  it('when the NF-e key has a wrong check digit, then it answers 400 naming nota_fiscal_chave and creates nothing', async () => {
    const body = pedido();
    const wrong = CHAVE.slice(0, 43) + String((Number(CHAVE[43]) + 1) % 10);
    const res = await request(app()).post('/internal/v1/envios').send({ ...body, nota_fiscal_chave: wrong });
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('body.nota_fiscal_chave');
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(0);
    expect(await detalhes(body.pedido_id)).toEqual([['recusado', { motivo: 'chave NF-e invalida' }]]);
  });

  it('when the body misses the key, then it answers 400 naming it', async () => {
    const res = await request(app()).post('/internal/v1/envios').send({ pedido_id: pedido().pedido_id });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain('body.nota_fiscal_chave');
  });
});

describe('POST /internal/v1/envios with despachar: true (create and dispatch in one call)', () => {
  it('when a new shipment is created with despachar, then it answers 201 enviado with despachado_em, logged as criar then despachar', async () => {
    const body = { ...pedido(), despachar: true };
    const res = await request(app()).post('/internal/v1/envios').send(body);
    expect(res.status).toBe(201);
    const envio = Envio.parse(res.body);
    expect(envio).toMatchObject({ pedido_id: body.pedido_id, status: 'enviado', entregue_em: null });
    expect(envio.despachado_em).not.toBeNull();
    expect(isValidS10(envio.codigo_rastreamento)).toBe(true);
    expect(await detalhes(body.pedido_id)).toEqual([
      ['criado', { codigo_rastreamento: envio.codigo_rastreamento }],
      ['enviado', null],
    ]);
    expect((await operacoes(body.pedido_id)).map((o) => o.operacao)).toEqual(['criar', 'despachar']);
    // The shipment goes on like one dispatched by its own call.
    const entrega = await request(app()).post(`/internal/v1/envios/${body.pedido_id}/entrega`);
    expect(entrega.body).toMatchObject({ status: 'entregue', despachado_em: envio.despachado_em });
  });

  it('when the same order asks again with despachar, then it answers 200 with the stored shipment and dispatches nothing twice', async () => {
    const a = app();
    const body = { ...pedido(), despachar: true };
    const first = await request(a).post('/internal/v1/envios').send(body);
    const second = await request(a).post('/internal/v1/envios').send(body);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    expect((await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`)).toEqual(['criar/criado', 'despachar/enviado', 'criar/repetido']);
  });

  it('when a shipment created without despachar is asked again with it, then the repeat dispatches it (200 enviado, same code)', async () => {
    const a = app();
    const body = pedido();
    const criado = await request(a).post('/internal/v1/envios').send(body).expect(201);
    expect(criado.body.status).toBe('aguardando_envio');
    const res = await request(a).post('/internal/v1/envios').send({ ...body, despachar: true });
    expect(res.status).toBe(200);
    expect(Envio.parse(res.body)).toMatchObject({ codigo_rastreamento: criado.body.codigo_rastreamento, status: 'enviado' });
    expect(res.body.despachado_em).not.toBeNull();
    expect((await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`)).toEqual(['criar/criado', 'criar/repetido', 'despachar/enviado']);
  });

  it('when despachar is false, then it is the plain creation (201 aguardando_envio)', async () => {
    const body = { ...pedido(), despachar: false };
    const res = await request(app()).post('/internal/v1/envios').send(body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'aguardando_envio', despachado_em: null });
    expect(await operacoes(body.pedido_id)).toEqual([{ operacao: 'criar', resultado: 'criado' }]);
  });

  it('when the commit of a create-and-dispatch is retried because its answer was lost, then the retry answers the stored shipment, enviado, as a repeat', async () => {
    const a = app(respostaPerdida(/INSERT INTO envios/));
    const body = { ...pedido(), despachar: true };
    const res = await request(a).post('/internal/v1/envios').send(body);
    expect(res.status).toBe(200);
    expect(Envio.parse(res.body)).toMatchObject({ pedido_id: body.pedido_id, status: 'enviado' });
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(1);
    expect((await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`)).toEqual(['criar/criado', 'despachar/enviado', 'criar/repetido']);
  });

  it('when 10 duplicates with despachar arrive concurrently, then one shipment exists, enviado, created and dispatched once', async () => {
    const a = app();
    const body = { ...pedido(), despachar: true };
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(a).post('/internal/v1/envios').send(body)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(answers.map((r) => r.body.codigo_rastreamento)).size).toBe(1);
    expect(new Set(answers.map((r) => r.body.status))).toEqual(new Set(['enviado']));
    const log = (await operacoes(body.pedido_id)).map((o) => `${o.operacao}/${o.resultado}`);
    expect(log.filter((r) => r === 'criar/criado')).toHaveLength(1);
    expect(log.filter((r) => r === 'despachar/enviado')).toHaveLength(1);
    expect(log.filter((r) => r === 'criar/repetido')).toHaveLength(9);
  });

  it('when despachar is not a boolean, then it answers 400 naming body.despachar and stores nothing', async () => {
    const body = pedido();
    const res = await request(app()).post('/internal/v1/envios').send({ ...body, despachar: 'sim' });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain('body.despachar');
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(0);
    expect(await operacoes(body.pedido_id)).toEqual([]);
  });

  it('when the NF-e key is invalid, then despachar changes nothing: 400 naming nota_fiscal_chave, nothing stored or dispatched', async () => {
    const body = pedido();
    const wrong = CHAVE.slice(0, 43) + String((Number(CHAVE[43]) + 1) % 10);
    const res = await request(app()).post('/internal/v1/envios').send({ ...body, nota_fiscal_chave: wrong, despachar: true });
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('body.nota_fiscal_chave');
    expect(await database.prisma.envio.count({ where: { pedidoId: body.pedido_id } })).toBe(0);
    expect(await operacoes(body.pedido_id)).toEqual([{ operacao: 'criar', resultado: 'recusado' }]);
  });
});

describe('despacho and entrega', () => {
  it('when a shipment is dispatched then delivered, each twice, then it ends entregue with both stamps and repeats change nothing', async () => {
    const a = app();
    const body = pedido();
    await request(a).post('/internal/v1/envios').send(body).expect(201);
    const d1 = await request(a).post(`/internal/v1/envios/${body.pedido_id}/despacho`);
    const d2 = await request(a).post(`/internal/v1/envios/${body.pedido_id}/despacho`);
    expect(d1.status).toBe(200);
    expect(d1.body.status).toBe('enviado');
    expect(d2.body).toEqual(d1.body);
    const e1 = await request(a).post(`/internal/v1/envios/${body.pedido_id}/entrega`);
    const e2 = await request(a).post(`/internal/v1/envios/${body.pedido_id}/entrega`);
    expect(e1.status).toBe(200);
    expect(Envio.parse(e1.body)).toMatchObject({ status: 'entregue', despachado_em: d1.body.despachado_em });
    expect(e1.body.entregue_em).not.toBeNull();
    expect(e2.body).toEqual(e1.body);
    // A late despacho after delivery is a repeat, not a step back.
    const late = await request(a).post(`/internal/v1/envios/${body.pedido_id}/despacho`);
    expect(late.status).toBe(200);
    expect(late.body.status).toBe('entregue');
    expect((await operacoes(body.pedido_id)).map((o: { resultado: string }) => o.resultado)).toEqual([
      'criado',
      'enviado',
      'repetido_enviado',
      'entregue',
      'repetido_entregue',
      'repetido_entregue',
    ]);
  });

  it('when entrega comes before despacho, then it answers 409 invalid_transition and the status stays aguardando_envio', async () => {
    const a = app();
    const body = pedido();
    await request(a).post('/internal/v1/envios').send(body).expect(201);
    const res = await request(a).post(`/internal/v1/envios/${body.pedido_id}/entrega`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'invalid_transition', details: { status: 'aguardando_envio', requer: 'enviado' } });
    const rows = await database.prisma.envio.findMany({ where: { pedidoId: body.pedido_id }, select: { status: true } });
    expect(rows).toEqual([{ status: 'aguardando_envio' }]);
    expect(await detalhes(body.pedido_id)).toEqual([
      ['criado', { codigo_rastreamento: expect.any(String) }],
      ['transicao_invalida', { status: 'aguardando_envio' }],
    ]);
  });

  it('when the order has no shipment, then despacho and entrega answer 404', async () => {
    const id = pedido().pedido_id;
    expect((await request(app()).post(`/internal/v1/envios/${id}/despacho`)).status).toBe(404);
    expect((await request(app()).post(`/internal/v1/envios/${id}/entrega`)).status).toBe(404);
    expect(await operacoes(id)).toEqual([
      { operacao: 'despachar', resultado: 'inexistente' },
      { operacao: 'entregar', resultado: 'inexistente' },
    ]);
  });

  it('when the pedido_id is not a positive integer, then it answers 400 naming params.pedido_id', async () => {
    const res = await request(app()).post('/internal/v1/envios/0/despacho');
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('params.pedido_id');
  });
});

describe('logistica fault injection', () => {
  it('when errors=100% is on, then creation answers 503 and nothing is stored; when off, it works again', async () => {
    const a = app();
    const body = pedido();
    await request(a).put('/admin/falhas').set(admin).send({ taxa_erro: 1 }).expect(200);
    const res = await request(a).post('/internal/v1/envios').send(body);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('injected_fault');
    await request(a).delete('/admin/falhas').set(admin).expect(200);
    expect((await request(a).post('/internal/v1/envios').send(body)).status).toBe(201);
  });
});
