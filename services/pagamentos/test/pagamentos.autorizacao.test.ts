/**
 * pagamentos against its real database: authorisation (201, then 200 on a replay), concurrent duplicates
 * (one row), the decline path (402 stored and replayed), void (estorno), input validation, the operation
 * log and fault injection on /internal.
 */
import request from 'supertest';
import { createFaultState, type FaultState } from '@brigadeiro/chaos';
import { CARTAO_SEMPRE_RECUSADO, Pagamento } from '@brigadeiro/contracts';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { openDatabase } from '../src/data/database';
import { MOTIVO_CANCELADO, PagamentosRepository } from '../src/data/pagamentos.repository';
import type { Simulacao } from '../src/domain/pagamentos';
import { novoPedidoId } from '@brigadeiro/testing';

const t = loadTopology();
const database = openDatabase(databaseUrl(t, 'pagamentos'), { max: 5 });
const quiet = createLogger({ service: 'pagamentos', level: 'silent' });
const admin = { Authorization: `Bearer ${t.adminToken}` };
const usados: number[] = [];
const estados: FaultState[] = [];

function app(simulacao: Simulacao = { latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 }) {
  const faults = createFaultState({ service: 'pagamentos' });
  estados.push(faults);
  return createApp({ logger: quiet, metrics: createMetrics({ service: 'pagamentos' }), database, faults, adminToken: t.adminToken, simulacao });
}

function pedido(extra: Record<string, unknown> = {}) {
  const pedido_id = novoPedidoId();
  usados.push(pedido_id);
  return { pedido_id, valor: '42.50', metodo: 'cartao_credito', ...extra };
}

async function linhas(pedidoId: number) {
  const { prisma } = database;
  const pagamentos = await prisma.pagamento.findMany({ where: { pedidoId }, select: { status: true } });
  const operacoes = await prisma.operacao.findMany({ where: { pedidoId }, select: { operacao: true, resultado: true }, orderBy: { id: 'asc' } });
  return { pagamentos, operacoes };
}

afterAll(async () => {
  for (const f of estados) f.close();
  const { prisma } = database;
  const deles = { where: { pedidoId: { in: usados } } };
  await prisma.pagamento.deleteMany(deles);
  await prisma.operacao.deleteMany(deles);
  await prisma.estornoAntecipado.deleteMany(deles);
  await database.close();
});

describe('POST /internal/v1/pagamentos', () => {
  it('when an order is authorised, then it answers 201 with an approved Pagamento and records the operation', async () => {
    const body = pedido();
    const res = await request(app()).post('/internal/v1/pagamentos').send(body);
    expect(res.status).toBe(201);
    const pagamento = Pagamento.parse(res.body);
    expect(pagamento).toMatchObject({ pedido_id: body.pedido_id, valor: '42.50', metodo: 'cartao_credito', status: 'aprovado', motivo: null, estornado_em: null });
    expect(await linhas(body.pedido_id)).toEqual({ pagamentos: [{ status: 'aprovado' }], operacoes: [{ operacao: 'autorizar', resultado: 'aprovado' }] });
  });

  it('when the same pedido_id is authorised twice, then the second answers 200 with the same payment and there is one row', async () => {
    const a = app();
    const body = pedido();
    const first = await request(a).post('/internal/v1/pagamentos').send(body);
    const second = await request(a).post('/internal/v1/pagamentos').send(body);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    const { pagamentos, operacoes } = await linhas(body.pedido_id);
    expect(pagamentos).toHaveLength(1);
    expect(operacoes).toEqual([
      { operacao: 'autorizar', resultado: 'aprovado' },
      { operacao: 'autorizar', resultado: 'repetido_aprovado' },
    ]);
  });

  it('when 10 duplicates of one order arrive concurrently, then one row exists, one answer is 201 and all carry the same id', async () => {
    // A little simulated latency makes the duplicates overlap between the lookup and the insert.
    const a = app({ latenciaMinMs: 20, latenciaMaxMs: 40, taxaAprovacao: 1 });
    const body = pedido();
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(a).post('/internal/v1/pagamentos').send(body)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    const { pagamentos, operacoes } = await linhas(body.pedido_id);
    expect(pagamentos).toHaveLength(1);
    expect(operacoes.map((o: { resultado: string }) => o.resultado).sort()).toEqual(['aprovado', ...Array(9).fill('repetido_aprovado')]);
  });

  it('when an order is asked again with another valor, then the log keeps what each request asked and flags the divergence', async () => {
    const a = app();
    const body = pedido();
    await request(a).post('/internal/v1/pagamentos').send(body).expect(201);
    const again = await request(a).post('/internal/v1/pagamentos').send({ ...body, valor: '50.00', metodo: 'pix' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ valor: '42.50', metodo: 'cartao_credito', status: 'aprovado' });
    const log = await database.prisma.operacao.findMany({ where: { pedidoId: body.pedido_id }, select: { resultado: true, detalhe: true }, orderBy: { id: 'asc' } });
    expect(log).toEqual([
      { resultado: 'aprovado', detalhe: { valor: '42.50', metodo: 'cartao_credito', motivo: null } },
      { resultado: 'repetido_aprovado', detalhe: { valor: '50.00', metodo: 'pix', motivo: null, diverge_do_original: true } },
    ]);
  });

  it('when the sandbox card that is always declined is used, then it answers 402 payment_declined and a replay gets the same 402', async () => {
    const a = app();
    const body = pedido({ cartao: CARTAO_SEMPRE_RECUSADO });
    const first = await request(a).post('/internal/v1/pagamentos').send(body);
    expect(first.status).toBe(402);
    expect(first.body).toMatchObject({ status: 402, code: 'payment_declined' });
    expect(Pagamento.parse(first.body.details)).toMatchObject({ status: 'rejeitado', pedido_id: body.pedido_id });
    // Even with the card changed and approval at 100%, the stored decision stands.
    const replay = await request(a).post('/internal/v1/pagamentos').send({ ...body, cartao: undefined });
    expect(replay.status).toBe(402);
    expect(replay.body.details).toEqual(first.body.details);
    expect(await linhas(body.pedido_id)).toEqual({
      pagamentos: [{ status: 'rejeitado' }],
      operacoes: [
        { operacao: 'autorizar', resultado: 'rejeitado' },
        { operacao: 'autorizar', resultado: 'repetido_rejeitado' },
      ],
    });
  });

  it('when the approval rate is 0, then an ordinary card is declined with 402', async () => {
    const res = await request(app({ latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 0 })).post('/internal/v1/pagamentos').send(pedido());
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('payment_declined');
  });

  it.each([
    ['valor as a float', { valor: 12.9 }, 'body.valor'],
    ['valor with one decimal', { valor: '12.9' }, 'body.valor'],
    ['an unknown metodo', { metodo: 'cheque' }, 'body.metodo'],
    ['a negative pedido_id', { pedido_id: -1 }, 'body.pedido_id'],
    ['an unknown field', { desconto: '1.00' }, 'body'],
    ['a card with letters', { cartao: '4000abcd00000002' }, 'body.cartao'],
  ])('when the body has %s, then it answers 400 naming the field and stores nothing', async (_what, change, field) => {
    const body = { ...pedido(), ...change };
    const res = await request(app()).post('/internal/v1/pagamentos').send(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    const id = typeof body.pedido_id === 'number' && body.pedido_id > 0 ? body.pedido_id : 0;
    expect((await linhas(id)).pagamentos).toHaveLength(0);
  });

  it('when the body is not JSON, then it answers 400 malformed_json', async () => {
    const res = await request(app()).post('/internal/v1/pagamentos').set('Content-Type', 'application/json').send('{"pedido_id":');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('malformed_json');
  });
});

describe('POST /internal/v1/pagamentos/:pedido_id/estorno', () => {
  it('when an approved payment is voided twice, then both answer 200 estornado with the same estornado_em', async () => {
    const a = app();
    const body = pedido();
    await request(a).post('/internal/v1/pagamentos').send(body).expect(201);
    const first = await request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`);
    const second = await request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`);
    expect(first.status).toBe(200);
    expect(Pagamento.parse(first.body)).toMatchObject({ status: 'estornado' });
    expect(first.body.estornado_em).not.toBeNull();
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect((await linhas(body.pedido_id)).operacoes.map((o: { resultado: string }) => o.resultado)).toEqual(['aprovado', 'estornado', 'sem_efeito_estornado']);
  });

  it('when a voided order is authorised again, then it is not charged again: 200 with the voided payment', async () => {
    const a = app();
    const body = pedido();
    await request(a).post('/internal/v1/pagamentos').send(body).expect(201);
    await request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`).expect(200);
    const again = await request(a).post('/internal/v1/pagamentos').send(body);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('estornado');
  });

  it('when a declined payment is voided, then it is returned as it is (rejeitado)', async () => {
    const a = app();
    const body = pedido({ cartao: CARTAO_SEMPRE_RECUSADO });
    await request(a).post('/internal/v1/pagamentos').send(body).expect(402);
    const res = await request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejeitado', estornado_em: null });
  });

  it('when the order has no payment, then it answers 404 and records the attempt', async () => {
    const id = pedido().pedido_id;
    const res = await request(app()).post(`/internal/v1/pagamentos/${id}/estorno`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    expect((await linhas(id)).operacoes).toEqual([{ operacao: 'estornar', resultado: 'inexistente' }]);
  });

  it('when the estorno arrives before the authorisation (caller timed out and compensated), then the late authorisation is declined', async () => {
    const a = app();
    const body = pedido();
    expect((await request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`)).status).toBe(404);
    const late = await request(a).post('/internal/v1/pagamentos').send(body);
    expect(late.status).toBe(402);
    expect(late.body.details).toMatchObject({ status: 'rejeitado', motivo: expect.stringMatching(/^pedido_cancelado/) });
    expect((await linhas(body.pedido_id)).pagamentos).toEqual([{ status: 'rejeitado' }]);
  });

  it('when a slow authorisation and its estorno race, then the order never ends with an approved payment', async () => {
    const a = app({ latenciaMinMs: 100, latenciaMaxMs: 100, taxaAprovacao: 1 });
    const bodies = Array.from({ length: 5 }, () => pedido());
    await Promise.all(
      bodies.map((body) =>
        Promise.all([
          request(a).post('/internal/v1/pagamentos').send(body),
          new Promise((r) => setTimeout(r, 50)).then(() => request(a).post(`/internal/v1/pagamentos/${body.pedido_id}/estorno`)),
        ]),
      ),
    );
    for (const body of bodies) {
      const { pagamentos } = await linhas(body.pedido_id);
      expect(pagamentos).toHaveLength(1);
      expect(pagamentos[0]?.status).not.toBe('aprovado');
    }
  });

  it('when the pedido_id is not a number, then it answers 400 naming params.pedido_id', async () => {
    const res = await request(app()).post('/internal/v1/pagamentos/abc/estorno');
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('params.pedido_id');
  });
});

describe('the authorisation statement', () => {
  it('when an estorno commits while the authorisation waits for the order lock, then the authorisation sees it and stores the payment declined', async () => {
    const a = app();
    const body = pedido();
    let pendente: Promise<request.Response> | undefined;
    await database.prisma.$transaction(
      async (tx) => {
        // What estornar does for an order without a payment, held open until the authorisation waits for the lock.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${body.pedido_id}::bigint)`;
        await tx.estornoAntecipado.create({ data: { pedidoId: body.pedido_id } });
        pendente = request(a).post('/internal/v1/pagamentos').send(body).then((r) => r);
        await waitFor(() => esperaTrava(body.pedido_id));
      },
      { timeout: 15_000 },
    );
    const res = await pendente!;
    expect(res.status).toBe(402);
    expect(res.body.details).toMatchObject({ status: 'rejeitado', motivo: MOTIVO_CANCELADO });
    expect(await linhas(body.pedido_id)).toEqual({ pagamentos: [{ status: 'rejeitado' }], operacoes: [{ operacao: 'autorizar', resultado: 'rejeitado' }] });
  });

  it('when it runs again after committing (a retry whose answer a failover lost), then it returns its own payment as not created and logs a repeat', async () => {
    const repo = new PagamentosRepository(database);
    const novo = { ...pedido(), metodo: 'pix', status: 'aprovado', motivo: null } as const;
    const first = await repo.inserirSeNovo(novo);
    const again = await repo.inserirSeNovo(novo);
    expect(first.criado).toBe(true);
    expect(again).toEqual({ criado: false, pagamento: first.pagamento });
    expect((await linhas(novo.pedido_id)).operacoes.map((o: { resultado: string }) => o.resultado)).toEqual(['aprovado', 'repetido_aprovado']);
  });
});

describe('pagamentos fault injection', () => {
  it('when errors=100% is set through /admin/falhas, then authorisations get 503 injected_fault and none is stored; after reset they work', async () => {
    const a = app();
    await request(a).put('/admin/falhas').set(admin).send({ taxa_erro: 1 }).expect(200);
    const body = pedido();
    const res = await request(a).post('/internal/v1/pagamentos').send(body);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.code).toBe('injected_fault');
    expect((await linhas(body.pedido_id)).pagamentos).toHaveLength(0);
    expect((await request(a).get('/ready')).status).toBe(200);
    await request(a).delete('/admin/falhas').set(admin).expect(200);
    expect((await request(a).post('/internal/v1/pagamentos').send(body)).status).toBe(201);
  });
});

/** Whether a session waits for the advisory lock of this order (pg_locks splits a bigint key in two halves). */
async function esperaTrava(pedidoId: number): Promise<boolean> {
  const [row] = await database.prisma.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 AND (classid::bigint << 32) + objid::bigint = ${pedidoId}::bigint`;
  return Number(row?.n) > 0;
}

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
