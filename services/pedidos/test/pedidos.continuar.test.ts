/**
 * Checkout.continuar when the request and the recovery worker both reach one order (in-process, on the test
 * stack, real downstreams): the request carries the state it wrote instead of reading the order each step,
 * so these check that it still reads again when someone else moved the order, that a continuar without a
 * state (the worker) finishes an order a dead request left, and that the answer's 201 and the 'retomar'
 * removal end up stored whichever of them made the final transition. The "worker" here is the same calls
 * the worker makes (repo.transicao, executarTarefa), made at chosen moments through wrapped ports; no fault
 * injection on the shared services.
 */
import type { CriarPedido } from '@brigadeiro/contracts';
import { isValidS10 } from '@brigadeiro/documentos';
import type { Database } from '../src/data/database';
import { PedidosRepository } from '../src/data/pedidos-repository';
import { Checkout, type Portas } from '../src/domain/checkout';
import { carrinhoHttp } from '../src/downstreams/carrinho';
import { catalogoHttp } from '../src/downstreams/catalogo';
import { estoqueHttp } from '../src/downstreams/estoque';
import { fiscalHttp } from '../src/downstreams/fiscal';
import { logisticaHttp } from '../src/downstreams/logistica';
import { pagamentosHttp } from '../src/downstreams/pagamentos';
import { apagarProduto, consultar, corpo, criarCarrinho, criarProduto, esperarAte, estoqueDe, silent, startPedidos, unique, type PedidosEmTeste } from './support';

let p: PedidosEmTeste;
let reais: Portas;
const produtos: number[] = [];

beforeAll(() => {
  p = startPedidos();
  const ds = p.pedidos.downstreams;
  reais = {
    catalogo: catalogoHttp(ds.catalogo),
    carrinho: carrinhoHttp(ds.carrinho),
    pagamentos: pagamentosHttp(ds.pagamentos),
    estoque: estoqueHttp(ds.estoque),
    fiscal: fiscalHttp(ds.fiscal),
    logistica: logisticaHttp(ds.logistica),
  };
});
afterAll(async () => {
  await p.stop();
  await Promise.all(produtos.map(apagarProduto));
});

/** A checkout with some ports replaced; its 'retomar' task is due far away, so the stack's own worker never takes these orders. */
function checkout(portas: Partial<Portas>): Checkout {
  return new Checkout(p.pedidos.repo, { ...reais, ...portas }, silent(), { retomarEmMs: 600_000 });
}

async function pedidoNovo(): Promise<CriarPedido> {
  const pr = await criarProduto({ estoque: 5 });
  produtos.push(pr.id);
  return corpo(await criarCarrinho([{ produto_id: pr.id, quantidade: 1 }])) as CriarPedido;
}

async function estado(id: number) {
  const c = (await p.pedidos.repo.completo(id))!;
  return { status: c.status, respostaStatus: c.respostaStatus, historico: c.historico.map((h) => h.status), tarefas: c.tarefas.map((t) => t.etapa), codigo: c.codigoRastreamento };
}

describe('Checkout.continuar with the worker in the way', () => {
  it('when the worker moves the order to nf_emitida while the request is at fiscal, then the request reads it again and ships it: 201, one nf_emitida, retomar removed', async () => {
    // The worker's move, made the moment fiscal answers the request: the request's own em_separacao ->
    // nf_emitida then does not apply, and the state it carried is stale.
    const fiscal: Portas['fiscal'] = {
      async emitir(input) {
        const nota = await reais.fiscal.emitir(input);
        const movido = await p.pedidos.repo.transicao(input.pedido_id, 'em_separacao', 'nf_emitida', `NF-e ${nota.numero} (worker)`, {
          nfNumero: nota.numero,
          nfSerie: nota.serie,
          nfChave: nota.chave_acesso,
        });
        expect(movido).toBe(true);
        return nota;
      },
    };

    const r = await checkout({ fiscal }).criar(unique('continuar'), await pedidoNovo());

    expect(r.status).toBe(201);
    const e = await estado(r.pedidoId);
    expect(e).toMatchObject({ status: 'enviado', respostaStatus: 201, tarefas: [] });
    expect(e.historico).toEqual(['pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado']);
    expect(isValidS10(e.codigo!)).toBe(true);
  });

  it('when pedidos stops inside logistica (the order still at em_separacao: nf_emitida is written with enviado) and the worker resumes it, then it ships it with the same nota; the request waking later still answers 201', async () => {
    // logistica's first call (the request's) waits until released; later calls go straight through.
    let chegou!: (pedidoId: number) => void;
    const naLogistica = new Promise<number>((resolve) => (chegou = resolve));
    let soltar!: () => void;
    const solto = new Promise<void>((resolve) => (soltar = resolve));
    let primeira = true;
    const logistica: Portas['logistica'] = {
      async criarEnvio(input) {
        if (primeira) {
          primeira = false;
          chegou(input.pedido_id);
          await solto;
        }
        return reais.logistica.criarEnvio(input);
      },
    };
    const c = checkout({ logistica });

    const pedidoPendente = c.criar(unique('continuar'), await pedidoNovo());
    const id = await naLogistica;
    expect(await estado(id)).toMatchObject({ status: 'em_separacao', respostaStatus: null, tarefas: ['retomar'] });

    // What the worker does with the order's 'retomar' task once it is due.
    const feito = await c.executarTarefa({ id: '0', pedidoId: id, etapa: 'retomar', tentativas: 1, proximaTentativaEm: new Date(), ultimoErro: null });
    expect(feito).toEqual({ feito: true });
    const retomado = await estado(id);
    expect(retomado).toMatchObject({ status: 'enviado', respostaStatus: 202 });
    expect(isValidS10(retomado.codigo!)).toBe(true);

    // The request wakes: logistica answers the stored shipment, its final transition finds the order shipped
    // already, and it stores its answer and removes 'retomar' on its own, as before.
    soltar();
    const r = await pedidoPendente;
    expect(r).toEqual({ status: 201, pedidoId: id });
    const e = await estado(id);
    expect(e).toMatchObject({ status: 'enviado', respostaStatus: 201, tarefas: [], codigo: retomado.codigo });
    expect(e.historico).toEqual(['pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado']);
    // fiscal answered the worker's repeated call with the request's nota (idempotent by pedido_id): one nota.
    const guardado = (await p.pedidos.repo.completo(id))!;
    expect(guardado.historico.filter((h) => h.status === 'nf_emitida')).toHaveLength(1);
    expect(guardado.nfChave).toMatch(/^\d{44}$/);
  });

  it('when a request dies after the stock was separated but before it wrote em_separacao, then retomar finds the order pendente, voids the payment AND releases the stock', async () => {
    const pr = await criarProduto({ estoque: 5 });
    produtos.push(pr.id);
    const pedido = corpo(await criarCarrinho([{ produto_id: pr.id, quantidade: 2 }])) as CriarPedido;
    // estoque separates for real, then the request "dies": the port never answers, so nothing more is written.
    let separado!: (pedidoId: number) => void;
    const morreu = new Promise<number>((resolve) => (separado = resolve));
    const estoque: Portas['estoque'] = {
      ...reais.estoque,
      async separar(input) {
        await reais.estoque.separar(input);
        separado(input.pedido_id);
        return new Promise(() => undefined);
      },
    };
    void checkout({ estoque }).criar(unique('morto'), pedido);
    const id = await morreu;
    expect(await estado(id)).toMatchObject({ status: 'pendente', historico: ['pendente'], tarefas: ['retomar'] });
    expect((await p.pedidos.repo.completo(id))!.pagamentoId).toBeNull();
    expect(await esperarAte(async () => ((await estoqueDe(pr.id)) === 3 ? 3 : undefined))).toBe(3);

    const feito = await checkout({}).executarTarefa({ id: '0', pedidoId: id, etapa: 'retomar', tentativas: 1, proximaTentativaEm: new Date(), ultimoErro: null });

    expect(feito).toEqual({ feito: true });
    // Nothing left to compensate later (only the 'retomar' task itself, which the worker deletes once this returns).
    expect(await estado(id)).toMatchObject({ status: 'cancelado', tarefas: ['retomar'] });
    expect(await esperarAte(async () => ((await estoqueDe(pr.id)) === 5 ? 5 : undefined))).toBe(5);
    const [pagamento] = await consultar<{ status: string }>('pagamentos', 'SELECT status FROM pagamentos WHERE pedido_id = $1', [id]);
    expect(pagamento?.status).toBe('estornado');
  });

  it('when continuar is called for an order that is already enviado, then it reads it and does nothing', async () => {
    const r = await checkout({}).criar(unique('continuar'), await pedidoNovo());
    expect(r.status).toBe(201);
    const antes = await estado(r.pedidoId);

    expect(await checkout({}).continuar(r.pedidoId)).toEqual({ ok: true, fechado: false });
    expect(await estado(r.pedidoId)).toEqual(antes);
  });
});

describe('Checkout.criar when the insert of an order is retried after its commit', () => {
  it('when the insert committed but its answer was lost (a failover), then the retry finds its own order under the key and finishes it: 201, not 409 in progress', async () => {
    // The database as a failover can leave it: the order's insert commits, the answer never arrives, and the
    // retry (what db.query does after a dropped connection) runs it again, which now fails on the key.
    const perdeResposta: Database = {
      ...p.database,
      query: (async (text: string, values: unknown[], retry?: Parameters<Database['query']>[2]) => {
        if (/INSERT INTO pedidos \(/.test(text)) await p.database.query(text, values, retry);
        return p.database.query(text, values, retry);
      }) as Database['query'],
    };
    const c = new Checkout(new PedidosRepository(perdeResposta), reais, silent(), { retomarEmMs: 600_000 });
    const chave = unique('perdida');
    const r = await c.criar(chave, await pedidoNovo());
    expect(r.status).toBe(201);
    const guardado = (await p.pedidos.repo.porChave(chave))!;
    expect(guardado.id).toBe(r.pedidoId);
    expect(await estado(r.pedidoId)).toMatchObject({ status: 'enviado', respostaStatus: 201, tarefas: [] });
  });
});
