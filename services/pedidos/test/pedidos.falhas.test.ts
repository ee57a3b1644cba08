/**
 * Degradation with the REAL downstream services of the test stack, driven through their /admin/falhas:
 * pagamentos hung (breaker opens, later checkouts get a fast 503, nothing left charged or reserved; then
 * half-open and closed after recovery) and fiscal down (202, then the queue worker finishes the order after
 * fiscal returns, across a pedidos restart). All fault injection of pedidos' tests lives in this one file so
 * no two of them run at once; every test resets what it injected in `finally`.
 */
import request from 'supertest';
import { isValidNfeAccessKey, isValidS10 } from '@brigadeiro/documentos';
import {
  ADMIN,
  apagarProduto,
  comprar,
  corpo,
  criarCarrinho,
  criarProduto,
  esperarAte,
  estoqueDe,
  falhas,
  startPedidos,
  type PedidosEmTeste,
} from './support';

const produtos: number[] = [];
const abertos: PedidosEmTeste[] = [];

function pedidosComDisjuntorCurto(worker = false): PedidosEmTeste {
  const p = startPedidos({
    breaker: { timeoutMs: 400, volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 1500 },
    ...(worker ? { worker: { intervaloMs: 100, backoffMs: 100, backoffMaxMs: 500 } } : {}),
  });
  abertos.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(['pagamentos', 'estoque', 'fiscal', 'logistica'].map((s) => falhas(s as 'pagamentos', 'reset').catch(() => {})));
});
afterAll(async () => {
  await Promise.all(abertos.map((p) => p.stop()));
  await Promise.all(produtos.map(apagarProduto));
});

async function produto(estoque = 50) {
  const pr = await criarProduto({ estoque });
  produtos.push(pr.id);
  return pr;
}

async function estadoDisjuntor(p: PedidosEmTeste, nome: string): Promise<string> {
  const r = await request(p.app).get('/admin/disjuntores').set(ADMIN);
  return (r.body.disjuntores as { nome: string; estado: string }[]).find((d) => d.nome === nome)!.estado;
}

describe('pagamentos hung', () => {
  it('when pagamentos hangs, then checkouts get 503 with Retry-After, the breaker opens and rejects fast, nothing stays reserved, and it closes after recovery', async () => {
    const p = pedidosComDisjuntorCurto(true);
    const a = await produto(30);
    const canceladas: string[] = [];
    const carrinhos = await Promise.all([1, 2, 3, 4].map(() => criarCarrinho([{ produto_id: a.id, quantidade: 1 }])));
    try {
      await falhas('pagamentos', { travar: true });
      // Three timeouts fill the breaker's window (volume threshold 3).
      const lentas = await Promise.all(carrinhos.slice(0, 3).map((c) => comprar(p.app, corpo(c))));
      for (const r of lentas) {
        expect(r.status).toBe(503);
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(r.body).toMatchObject({ code: 'service_unavailable', details: { servico: 'pagamentos' } });
      }
      expect(await estadoDisjuntor(p, 'pagamentos')).toBe('open');

      // While open, the breaker answers without calling pagamentos: no timeout is waited for.
      const rapida = await comprar(p.app, corpo(carrinhos[3]!));
      expect(rapida.status).toBe(503);
      expect(rapida.body.message).toMatch(/circuit breaker open/);

      for (const r of [...lentas, rapida]) {
        const pedido = await request(p.app).get(`/api/v1/pedidos/${r.body.details.pedido_id}`);
        expect(pedido.body.status).toBe('cancelado');
        expect(pedido.body.motivo_cancelamento).toMatch(/^pagamentos_unavailable/);
      }
      expect(await estoqueDe(a.id)).toBe(30);
      canceladas.push(...[...lentas, rapida].map((r) => r.body.details.pedido_id as string));
    } finally {
      await falhas('pagamentos', 'reset');
    }
    // Recovery: after the reset timeout a trial call goes through (half-open) and closes it; the voids that
    // could not be done while pagamentos hung are finished by the worker.
    const pedidoIds = [] as string[];
    const depois = await esperarAte(async () => {
      const c = await criarCarrinho([{ produto_id: a.id, quantidade: 1 }]);
      const r = await comprar(p.app, corpo(c));
      if (r.status === 201) pedidoIds.push(r.body.id);
      return r.status === 201 ? r : undefined;
    }, 15_000, 500);
    expect(depois?.status).toBe(201);
    expect(await estadoDisjuntor(p, 'pagamentos')).toBe('closed');
    const fila = await esperarAte(async () => {
      const r = await request(p.app).get(`/api/v1/pedidos/${pedidoIds[0]}`);
      return r.body.pendente.length === 0 ? r : undefined;
    });
    expect(fila?.body.status).toBe('enviado');
    // The voids of the timed-out authorisations were queued while pagamentos hung: the worker finished them.
    for (const id of canceladas) {
      const limpo = await esperarAte(async () => {
        const r = await request(p.app).get(`/api/v1/pedidos/${id}`);
        return r.body.pendente.length === 0 ? r : undefined;
      });
      expect(limpo?.body.status).toBe('cancelado');
    }
  });
});

describe('fiscal down after money and stock are secured', () => {
  it('when fiscal fails, then the order is accepted with 202 and fiscal pending; after fiscal returns, a new pedidos (after a restart) finishes it to enviado', async () => {
    const a = await produto(10);
    const carrinho = await criarCarrinho([{ produto_id: a.id, quantidade: 2 }]);
    const primeiro = pedidosComDisjuntorCurto(false);
    let pedidoId: number;
    try {
      await falhas('fiscal', { taxa_erro: 1 });
      const res = await comprar(primeiro.app, corpo(carrinho));
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('em_separacao');
      expect(res.body.pendente).toEqual([expect.objectContaining({ etapa: 'fiscal', ultimo_erro: expect.stringMatching(/fiscal/) })]);
      expect(await estoqueDe(a.id)).toBe(8);
      pedidoId = res.body.id;
    } finally {
      await falhas('fiscal', 'reset');
    }
    // pedidos "restarts": the first one stops, a new one (with its worker) starts from the same database.
    await primeiro.stop();
    abertos.splice(abertos.indexOf(primeiro), 1);
    const segundo = pedidosComDisjuntorCurto(true);

    const final = await esperarAte(async () => {
      const r = await request(segundo.app).get(`/api/v1/pedidos/${pedidoId}`);
      // The worker moves the order, then deletes its task in a statement of its own: wait for both.
      return r.body.status === 'enviado' && r.body.pendente.length === 0 ? r : undefined;
    }, 25_000);
    expect(final?.body).toMatchObject({ status: 'enviado', pendente: [] });
    expect(isValidNfeAccessKey(final!.body.nota_fiscal.chave_acesso)).toBe(true);
    expect(isValidS10(final!.body.envio.codigo_rastreamento)).toBe(true);
    expect(final!.body.historico.map((h: { status: string }) => h.status)).toEqual(['pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado']);
  });

  it('when logistica is down, then the order is accepted with 202 at nf_emitida and the worker ships it once logistica returns', async () => {
    const a = await produto(10);
    const carrinho = await criarCarrinho([{ produto_id: a.id, quantidade: 1 }]);
    const p = pedidosComDisjuntorCurto(false);
    let pedidoId: number;
    try {
      await falhas('logistica', { taxa_erro: 1 });
      const res = await comprar(p.app, corpo(carrinho));
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('nf_emitida');
      expect(res.body.pendente.map((t: { etapa: string }) => t.etapa)).toEqual(['logistica']);
      pedidoId = res.body.id;
    } finally {
      await falhas('logistica', 'reset');
    }
    p.pedidos.trabalhador.start();
    const final = await esperarAte(async () => {
      const r = await request(p.app).get(`/api/v1/pedidos/${pedidoId}`);
      // The worker moves the order, then deletes its task in a statement of its own: wait for both.
      return r.body.status === 'enviado' && r.body.pendente.length === 0 ? r : undefined;
    }, 25_000);
    expect(final?.body.pendente).toEqual([]);
  });
});

describe('estoque down after the payment', () => {
  it('when estoque fails, then the checkout answers 503, the payment is voided and the order cancelado', async () => {
    const a = await produto(10);
    const carrinho = await criarCarrinho([{ produto_id: a.id, quantidade: 1 }]);
    const p = pedidosComDisjuntorCurto(false);
    try {
      await falhas('estoque', { taxa_erro: 1 });
      const res = await comprar(p.app, corpo(carrinho));
      expect(res.status).toBe(503);
      expect(res.body.details.servico).toBe('estoque');
      const pedido = await request(p.app).get(`/api/v1/pedidos/${res.body.details.pedido_id}`);
      expect(pedido.body.status).toBe('cancelado');
      expect(pedido.body.historico.map((h: { status: string }) => h.status)).toEqual(['pendente', 'pagamento_aprovado', 'cancelado']);
      expect(await estoqueDe(a.id)).toBe(10);
    } finally {
      await falhas('estoque', 'reset');
    }
  });
});
