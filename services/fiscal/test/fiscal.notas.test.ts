/**
 * fiscal against its real database: a nota with a sequential number and a valid NF-e access key, idempotency
 * (replay and concurrent duplicates), validation, the operation log and fault injection.
 */
import request from 'supertest';
import { createFaultState, type FaultState } from '@brigadeiro/chaos';
import { NotaFiscal } from '@brigadeiro/contracts';
import { isValidNfeAccessKey, UF_CODES } from '@brigadeiro/documentos';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { CNPJ_DEMO } from '../src/config';
import { openDatabase } from '../src/data/database';
import { NotasRepository } from '../src/data/notas.repository';
import { novoPedidoId } from '@brigadeiro/testing';

const t = loadTopology();
const database = openDatabase(databaseUrl(t, 'fiscal'), { max: 5 });
const quiet = createLogger({ service: 'fiscal', level: 'silent' });
const admin = { Authorization: `Bearer ${t.adminToken}` };
const usados: number[] = [];
const estados: FaultState[] = [];

function app() {
  const faults = createFaultState({ service: 'fiscal' });
  estados.push(faults);
  return createApp({
    logger: quiet,
    metrics: createMetrics({ service: 'fiscal' }),
    database,
    faults,
    adminToken: t.adminToken,
    emitente: { uf: 'SP', cnpj: CNPJ_DEMO, serie: 1 },
  });
}

function pedido(valor = '99.90') {
  const pedido_id = novoPedidoId();
  usados.push(pedido_id);
  return { pedido_id, valor };
}

async function notas(pedidoId: number) {
  return database.prisma.notaFiscal.findMany({ where: { pedidoId }, select: { numero: true } });
}

afterAll(async () => {
  for (const f of estados) f.close();
  await database.prisma.notaFiscal.deleteMany({ where: { pedidoId: { in: usados } } });
  await database.prisma.operacao.deleteMany({ where: { pedidoId: { in: usados } } });
  await database.close();
});

describe('POST /internal/v1/notas', () => {
  it('when a nota is issued, then it answers 201 with serie 1, a number and a valid NF-e key of the issuer', async () => {
    const body = pedido();
    const res = await request(app()).post('/internal/v1/notas').send(body);
    expect(res.status).toBe(201);
    const nota = NotaFiscal.parse(res.body);
    expect(nota).toMatchObject({ pedido_id: body.pedido_id, serie: 1, valor: '99.90' });
    expect(isValidNfeAccessKey(nota.chave_acesso)).toBe(true);
    expect(nota.chave_acesso.slice(0, 2)).toBe(String(UF_CODES.SP));
    expect(nota.chave_acesso.slice(6, 20)).toBe(CNPJ_DEMO);
    expect(nota.chave_acesso.slice(20, 22)).toBe('55');
    expect(nota.chave_acesso.slice(22, 25)).toBe('001');
    expect(Number(nota.chave_acesso.slice(25, 34))).toBe(nota.numero);
    const ops = await database.prisma.operacao.findMany({ where: { pedidoId: body.pedido_id }, select: { operacao: true, resultado: true } });
    expect(ops).toEqual([{ operacao: 'emitir', resultado: 'emitida' }]);
  });

  it('when two orders get notas, then the second number is greater than the first', async () => {
    const a = app();
    const first = await request(a).post('/internal/v1/notas').send(pedido());
    const second = await request(a).post('/internal/v1/notas').send(pedido());
    expect(second.body.numero).toBeGreaterThan(first.body.numero);
  });

  it('when the same order asks twice, then the second answers 200 with the same nota and one row exists', async () => {
    const a = app();
    const body = pedido();
    const first = await request(a).post('/internal/v1/notas').send(body);
    const second = await request(a).post('/internal/v1/notas').send(body);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    expect(await notas(body.pedido_id)).toHaveLength(1);
  });

  it('when 10 duplicates arrive concurrently, then exactly one nota exists and every answer carries it', async () => {
    const a = app();
    const body = pedido();
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(a).post('/internal/v1/notas').send(body)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(new Set(answers.map((r) => r.body.chave_acesso)).size).toBe(1);
    expect(await notas(body.pedido_id)).toHaveLength(1);
    const log = await database.prisma.operacao.findMany({ where: { pedidoId: body.pedido_id }, select: { resultado: true } });
    expect(log.map((o) => o.resultado).sort()).toEqual(['emitida', ...Array(9).fill('repetida')]);
  });

  it('when the order asks again with another valor, then the log keeps what each request asked and flags the divergence', async () => {
    const a = app();
    const body = pedido('99.90');
    const first = await request(a).post('/internal/v1/notas').send(body).expect(201);
    const again = await request(a).post('/internal/v1/notas').send({ ...body, valor: '10.00' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const { numero, chave_acesso } = first.body as NotaFiscal;
    const log = await database.prisma.operacao.findMany({ where: { pedidoId: body.pedido_id }, select: { operacao: true, resultado: true, detalhe: true }, orderBy: { id: 'asc' } });
    expect(log).toEqual([
      { operacao: 'emitir', resultado: 'emitida', detalhe: { numero, chave_acesso, valor: '99.90' } },
      { operacao: 'emitir', resultado: 'repetida', detalhe: { numero, chave_acesso, valor: '10.00', diverge_do_original: true } },
    ]);
  });

  it('when the insert runs again after committing (a retry whose answer a failover lost), then it returns its own nota as not created and logs a repeat', async () => {
    const repo = new NotasRepository(database);
    const body = pedido();
    const achado = await repo.existenteOuNumero(body);
    if (!('numero' in achado)) throw new Error('a new order has no nota');
    const nova = { ...body, numero: achado.numero, serie: 1, chave_acesso: String(body.pedido_id).padStart(44, '0'), emitida_em: new Date() };
    const first = await repo.inserirSeNova(nova);
    const again = await repo.inserirSeNova(nova);
    expect(first.criada).toBe(true);
    expect(again).toEqual({ criada: false, nota: first.nota });
    expect(await repo.existenteOuNumero(body)).toEqual({ nota: first.nota });
    const log = await database.prisma.operacao.findMany({ where: { pedidoId: body.pedido_id }, select: { resultado: true }, orderBy: { id: 'asc' } });
    expect(log.map((o) => o.resultado)).toEqual(['emitida', 'repetida', 'repetida']);
  });

  it.each([
    ['valor as a number', { valor: 10 }, 'body.valor'],
    ['no pedido_id', { pedido_id: undefined }, 'body.pedido_id'],
    ['an unknown field', { serie: 2 }, 'body'],
  ])('when the body has %s, then it answers 400 naming the field', async (_w, change, field) => {
    const res = await request(app()).post('/internal/v1/notas').send({ ...pedido(), ...change });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('when fault injection hangs fiscal and is reset, then the held request gets a 503 and no nota is issued', async () => {
    const a = app();
    const server = a.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      await request(server).put('/admin/falhas').set(admin).send({ travar: true }).expect(200);
      const body = pedido();
      const pending = request(server).post('/internal/v1/notas').send(body).then((r) => r);
      await waitFor(async () => (await request(server).get('/admin/falhas').set(admin)).body.requisicoes_retidas === 1);
      await request(server).delete('/admin/falhas').set(admin).expect(200);
      const res = await pending;
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('injected_fault');
      expect(await notas(body.pedido_id)).toHaveLength(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
