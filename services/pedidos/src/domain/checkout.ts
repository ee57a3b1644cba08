/**
 * The checkout, synchronous as the seeds ask: read the cart, price it from catalogo, store the order
 * (pendente), then pagamentos (authorise) -> estoque (separate) -> fiscal (issue) -> logistica (create +
 * dispatch), moving the order pendente -> pagamento_aprovado -> em_separacao -> nf_emitida -> enviado.
 * Every state is in the order's history; the request commits them in pairs where it can (pagamento_aprovado
 * with em_separacao once the stock is secured, nf_emitida with enviado once the shipment is made: a
 * Passagem), so an order takes three synchronously replicated commits in pedidos instead of five. A state
 * is written on its own when the chain stops there (logistica failing leaves nf_emitida for the worker).
 *
 * Failure semantics (README "Checkout" has the table):
 *  - before money AND stock are secured (pagamentos, estoque): answer at once (402 declined, 409 no stock,
 *    503 unavailable), undo what was done (void the payment, release the separation) and cancel the order;
 *    an undo that fails goes to the durable queue and the worker retries it until it is done.
 *  - after (fiscal, logistica): the order is accepted (202) and the step that failed is queued; the worker
 *    (./trabalhador.ts) finishes it when the service is back, even after a pedidos restart.
 *  - a pedidos crash mid-chain: the order was created with a 'retomar' task due a while later (the lease);
 *    the request removes it when it finishes, otherwise the worker picks it up and compensates or finishes.
 * Every downstream call is idempotent by pedido_id, so doing a step twice (request and worker) is harmless;
 * status changes are conditional, so only one of them moves the order.
 */
import { randomUUID } from 'node:crypto';
import { limitDeadline, type Logger } from '@brigadeiro/logger';
import type { CriarPedido } from '@brigadeiro/contracts';
import { AppError } from '@brigadeiro/errors';
import type { CamposPedido, Fila, Passagem, PedidoGuardado, PedidosRepository, TarefaGuardada } from '../data/pedidos-repository';
import type { CarrinhoPort, LeituraCarrinho } from '../downstreams/carrinho';
import type { CatalogoPort } from '../downstreams/catalogo';
import type { EstoquePort } from '../downstreams/estoque';
import type { FiscalPort } from '../downstreams/fiscal';
import type { LogisticaPort } from '../downstreams/logistica';
import type { PagamentosPort } from '../downstreams/pagamentos';
import { Indisponivel, RespostaInvalida } from '../downstreams/resultado';
import { centavos, formatar } from './dinheiro';
import {
  CarrinhoJaPedido,
  CarrinhoNaoEncontrado,
  CarrinhoVazio,
  ChaveComOutroCarrinho,
  CheckoutEmAndamento,
  EstoqueInsuficienteErro,
  indisponivel,
  PagamentoRecusado,
  ProdutosDesconhecidos,
} from './erros';

export interface Portas {
  carrinho: CarrinhoPort;
  catalogo: CatalogoPort;
  pagamentos: PagamentosPort;
  estoque: EstoquePort;
  fiscal: FiscalPort;
  logistica: LogisticaPort;
}

export interface CheckoutOptions {
  /** When the 'retomar' safety task of a new order falls due (must exceed the longest chain). Default 60 s. */
  retomarEmMs?: number;
  /**
   * The checkout's deadline, from its arrival: every wait of the chain ends by then (see limitDeadline in
   * @brigadeiro/logger), the database retries of pedidos and of each called service included. Default 12 s.
   */
  prazoMs?: number;
}

/** 201: all steps done; 202: accepted, steps pending in the queue; 200: an Idempotency-Key replay. */
export interface RespostaCheckout {
  status: 200 | 201 | 202;
  pedidoId: number;
}

/** An order as the request knows it: the row id for the chain, the public reference for what the client sees. */
type PedidoRef = Pick<PedidoGuardado, 'id' | 'referencia'>;

/** Queue steps the worker knows. */
export const ETAPAS = ['fiscal', 'logistica', 'estornar_pagamento', 'liberar_separacao', 'esvaziar_carrinho', 'retomar'] as const;
export type Etapa = (typeof ETAPAS)[number];

type Compensacao = { etapa: Etapa; erro: string };

/** What `continuar` needs to know of the order: a caller that has just written it passes it and saves a read. */
export type Situacao = Pick<PedidoGuardado, 'status' | 'valorTotal' | 'nfChave'>;

/**
 * Fields and queue changes the request folds into the final transition (-> enviado), so the
 * answer's status and the 'retomar' removal cost no statement of their own when the request ships the order.
 */
type Fecho = { campos: Pick<CamposPedido, 'respostaStatus'>; fila: Fila };

type Continuacao = { ok: true; fechado: boolean } | { ok: false; etapa: 'fiscal' | 'logistica'; erro: string };
export type ResultadoTarefa = { feito: true; seguintes?: { etapa: Etapa; erro: string }[] } | { feito: false; erro: string };

function mensagem(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function falhaDeServico(err: unknown): err is Indisponivel | RespostaInvalida {
  return err instanceof Indisponivel || err instanceof RespostaInvalida;
}

/** Motivos stored in motivo_cancelamento: `<code>: <why>`; a replay rebuilds the answer from them. */
function motivoDe(p: PedidoGuardado): string {
  const m = p.motivoCancelamento ?? '';
  const i = m.indexOf(': ');
  return i >= 0 ? m.slice(i + 2) : m;
}

export class Checkout {
  private readonly retomarEmMs: number;
  private readonly prazoMs: number;

  constructor(
    private readonly repo: PedidosRepository,
    private readonly portas: Portas,
    private readonly logger: Logger,
    opts: CheckoutOptions = {},
  ) {
    this.retomarEmMs = opts.retomarEmMs ?? 60_000;
    this.prazoMs = opts.prazoMs ?? 12_000;
  }

  async criar(chave: string, pedido: CriarPedido): Promise<RespostaCheckout> {
    // Rather than answer 503 while the database fails over, the chain waits for it, up to one deadline.
    limitDeadline(this.prazoMs);
    // The cart is read while the key is looked up (two independent round trips side by side): a replay
    // ignores the read, whatever it answered; a new order goes on with it.
    const lendo = this.portas.carrinho.ler(pedido.carrinho_id).then(
      (leitura) => ({ ok: true as const, leitura }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    const existente = await this.repo.porChave(chave);
    if (existente) return this.replay(existente, pedido);

    const itens = await this.precificar(pedido.carrinho_id, await lendo);
    const total = formatar(itens.reduce((s, i) => s + centavos(i.precoUnitario) * BigInt(i.quantidade), 0n));
    const referencia = randomUUID();
    const criado = await this.repo.criar({
      referencia,
      idempotencyKey: chave,
      carrinhoId: pedido.carrinho_id,
      cliente: { nome: pedido.cliente.nome, email: pedido.cliente.email },
      metodoPagamento: pedido.pagamento.metodo,
      valorTotal: total,
      itens,
      retomarEmMs: this.retomarEmMs,
    });
    if (!criado.ok) {
      // The insert was retried after a failover cut its connection, and the first attempt had committed:
      // the row under this key carries the reference this request chose, so the order is its own; go on.
      const existente = await this.repo.porChave(chave);
      if (existente?.referencia === referencia) return this.encadear(existente, pedido, itens, total);
      if (criado.motivo === 'carrinho_com_pedido') throw new CarrinhoJaPedido(pedido.carrinho_id);
      // The same key arrived twice at once: the other request created the order.
      if (!existente) throw new AppError(409, 'idempotency_conflict', 'this Idempotency-Key is being used by another request; ask again');
      return this.replay(existente, pedido);
    }
    return this.encadear(criado, pedido, itens, total);
  }

  private replay(p: PedidoGuardado, pedido: CriarPedido): RespostaCheckout {
    if (p.carrinhoId !== pedido.carrinho_id) throw new ChaveComOutroCarrinho();
    switch (p.respostaStatus) {
      case null:
        throw new CheckoutEmAndamento(p.referencia);
      case 402:
        throw new PagamentoRecusado(p.referencia, motivoDe(p));
      case 409:
        throw new EstoqueInsuficienteErro(p.referencia, []);
      default:
        return { status: 200, pedidoId: p.id };
    }
  }

  /** The cart's items (as `criar` read them) with catalogo's names and prices (unverified cart items are checked here too). */
  private async precificar(carrinhoId: string, lido: { ok: true; leitura: LeituraCarrinho } | { ok: false; err: unknown }) {
    const { catalogo } = this.portas;
    if (!lido.ok) throw this.semServico(lido.err);
    const { leitura } = lido;
    if (!leitura.ok) {
      if (leitura.motivo === 'id_invalido') {
        throw new AppError(400, 'validation_failed', `invalid request body: body.carrinho_id: ${leitura.mensagem}`, [
          { field: 'body.carrinho_id', message: 'is not a cart id as returned by POST /api/v1/carrinhos' },
        ]);
      }
      throw new CarrinhoNaoEncontrado(carrinhoId);
    }
    if (leitura.carrinho.itens.length === 0) throw new CarrinhoVazio(carrinhoId);
    const quantidades = new Map<number, number>();
    for (const i of leitura.carrinho.itens) quantidades.set(i.produto_id, (quantidades.get(i.produto_id) ?? 0) + i.quantidade);
    let produtos;
    try {
      produtos = await Promise.all([...quantidades.keys()].map(async (id) => ({ id, produto: await catalogo.produto(id) })));
    } catch (err) {
      throw this.semServico(err);
    }
    const desconhecidos = produtos.filter((p) => p.produto === null).map((p) => p.id);
    if (desconhecidos.length) throw new ProdutosDesconhecidos(desconhecidos);
    return produtos.map(({ id, produto }) => ({ produtoId: id, nome: produto!.nome, precoUnitario: produto!.preco, quantidade: quantidades.get(id)! }));
  }

  private semServico(err: unknown, referencia?: string): AppError {
    if (err instanceof Indisponivel) return indisponivel(err.servico, err.message, err.retryAfterS, referencia);
    if (err instanceof RespostaInvalida) return indisponivel(err.servico, err.message, 5, referencia);
    throw err;
  }

  private async encadear(
    ref: PedidoRef,
    pedido: CriarPedido,
    itens: { produtoId: number; quantidade: number }[],
    total: string,
  ): Promise<RespostaCheckout> {
    const { pagamentos, estoque, carrinho } = this.portas;
    const { id, referencia } = ref;

    // 1. pagamentos
    let autorizacao;
    try {
      autorizacao = await pagamentos.autorizar({ pedido_id: id, valor: total, metodo: pedido.pagamento.metodo, ...(pedido.pagamento.cartao ? { cartao: pedido.pagamento.cartao } : {}) });
    } catch (err) {
      if (!falhaDeServico(err)) throw err;
      // A breaker rejection reached nobody; a timeout or 5xx may have authorised: void to be sure.
      const talvezAutorizado = !(err instanceof Indisponivel && err.rejeitadoPeloDisjuntor);
      return this.cancelarIndisponivel(ref, 'pendente', err, { estornar: talvezAutorizado, liberar: false });
    }
    if (!autorizacao.aprovado) {
      await this.repo.transicao(id, 'pendente', 'cancelado', `payment_declined: ${autorizacao.motivo}`, { motivoCancelamento: `payment_declined: ${autorizacao.motivo}`, respostaStatus: 402 }, { remover: ['retomar'] });
      throw new PagamentoRecusado(referencia, autorizacao.motivo);
    }
    // Written with the next state (one commit): the status it leads to, or the cancellation.
    const aprovado: Passagem = { status: 'pagamento_aprovado', detalhe: `pagamento ${autorizacao.pagamento.id} aprovado (${autorizacao.pagamento.valor})` };
    const pago: CamposPedido = { pagamentoId: autorizacao.pagamento.id };

    // 2. estoque
    let separacao;
    try {
      separacao = await estoque.separar({ pedido_id: id, itens: itens.map((i) => ({ produto_id: i.produtoId, quantidade: i.quantidade })) });
    } catch (err) {
      if (!falhaDeServico(err)) throw err;
      const talvezSeparado = !(err instanceof Indisponivel && err.rejeitadoPeloDisjuntor);
      return this.cancelarIndisponivel(ref, 'pendente', err, { estornar: true, liberar: talvezSeparado }, { passou: aprovado, campos: pago });
    }
    if (!separacao.separado) {
      const pendentes = await this.compensar(id, { estornar: true, liberar: false });
      const detalhe = `insufficient_stock: ${separacao.motivo}; ${pendentes.length ? 'estorno pendente' : 'pagamento estornado'}`;
      await this.repo.transicao(id, 'pendente', 'cancelado', detalhe, { ...pago, motivoCancelamento: `insufficient_stock: ${separacao.motivo}`, respostaStatus: 409 }, { remover: ['retomar'], adicionar: pendentes }, aprovado);
      throw new EstoqueInsuficienteErro(referencia, separacao.faltas);
    }
    await this.mover(ref, 'pendente', 'em_separacao', `itens separados (${separacao.separacao.itens.length} produtos)`, pago, aprovado);

    // Money and stock are secured: from here on the order is accepted whatever happens. The cart is emptied
    // beside fiscal and logistica (it depends on neither, and they not on it); if that fails, the worker
    // empties it later.
    const esvaziando = carrinho.esvaziar(pedido.carrinho_id).then(
      () => undefined,
      (err: unknown) => mensagem(err),
    );

    // 3 and 4. fiscal, logistica. The 201 and the 'retomar' removal ride on the final transition; when this
    // request did not make it (the worker moved the order meanwhile), they are set on their own as before.
    const fecho: Fecho = { campos: { respostaStatus: 201 }, fila: { remover: ['retomar'] } };
    let resto: Continuacao;
    try {
      resto = await this.continuar(id, { situacao: { status: 'em_separacao', valorTotal: total, nfChave: null }, fecho });
    } finally {
      const erro = await esvaziando;
      if (erro !== undefined) await this.repo.atualizar(id, {}, { adicionar: [{ etapa: 'esvaziar_carrinho', erro }] });
    }
    if (resto.ok) {
      if (!resto.fechado) await this.repo.atualizar(id, fecho.campos, fecho.fila);
      return { status: 201, pedidoId: id };
    }
    this.logger.warn({ pedido_id: id, etapa: resto.etapa, err: resto.erro }, 'order accepted with a step left to the queue');
    await this.repo.atualizar(id, { respostaStatus: 202 }, { remover: ['retomar'], adicionar: [{ etapa: resto.etapa, erro: resto.erro }] });
    return { status: 202, pedidoId: id };
  }

  private async mover(ref: PedidoRef, de: PedidoGuardado['status'], para: PedidoGuardado['status'], detalhe: string, campos: CamposPedido = {}, passou?: Passagem): Promise<void> {
    if (!(await this.repo.transicao(ref.id, de, para, detalhe, campos, {}, passou))) {
      // Only the 'retomar' task can move an order under a running request, and only after its lease: the
      // chain took longer than that. The worker owns the order now.
      throw new AppError(409, 'order_taken_over', `order ${ref.referencia} was taken over by the recovery worker; GET it to see its state`, { pedido_id: ref.referencia });
    }
  }

  /** Undo what may have been done, cancel the order (its key is released: a 503 does not use it up) and answer 503. */
  private async cancelarIndisponivel(
    { id, referencia }: PedidoRef,
    de: PedidoGuardado['status'],
    err: Indisponivel | RespostaInvalida,
    o: { estornar: boolean; liberar: boolean },
    antes: { passou?: Passagem; campos?: CamposPedido } = {},
  ): Promise<never> {
    const pendentes = await this.compensar(id, o);
    const detalhe = `${err.servico}_unavailable: ${err.message}${pendentes.length ? `; pendente: ${pendentes.map((p) => p.etapa).join(', ')}` : ''}`;
    const campos: CamposPedido = { ...antes.campos, motivoCancelamento: `${err.servico}_unavailable: ${err.message}`, respostaStatus: 503, liberarChave: true };
    await this.repo.transicao(id, de, 'cancelado', detalhe, campos, { remover: ['retomar'], adicionar: pendentes }, antes.passou);
    throw this.semServico(err, referencia);
  }

  /** Releases the separation and voids the payment; returns what could not be done now (for the queue). */
  async compensar(id: number, o: { estornar: boolean; liberar: boolean }): Promise<Compensacao[]> {
    const pendentes: Compensacao[] = [];
    if (o.liberar) {
      try {
        await this.portas.estoque.liberar(id);
      } catch (err) {
        pendentes.push({ etapa: 'liberar_separacao', erro: mensagem(err) });
      }
    }
    if (o.estornar) {
      try {
        await this.portas.pagamentos.estornar(id);
      } catch (err) {
        pendentes.push({ etapa: 'estornar_pagamento', erro: mensagem(err) });
      }
    }
    return pendentes;
  }

  /**
   * Runs what is left after the stock is secured: fiscal (the nota), then logistica (create + dispatch in one
   * call), moving em_separacao -> enviado with nf_emitida passed through in ONE transition; when logistica
   * fails, the nota alone is written (em_separacao -> nf_emitida) and the order waits there. From nf_emitida
   * (the worker's case) only logistica is left. Stops at the first step that fails and says which.
   * `situacao`: the order as the caller just wrote it (the request), else it is read (the worker); a
   * transition that did not apply (someone else moved the order) makes it read again and go on from there.
   * `fecho` goes into the final transition; `fechado` says it was applied by it.
   */
  async continuar(id: number, o: { situacao?: Situacao; fecho?: Fecho } = {}): Promise<Continuacao> {
    const { fiscal } = this.portas;
    let p: Situacao | null = o.situacao ?? (await this.repo.obter(id));
    for (let volta = 0; volta < 5; volta++) {
      if (!p) return { ok: true, fechado: false };
      if (p.status === 'em_separacao') {
        let nota;
        try {
          nota = await fiscal.emitir({ pedido_id: id, valor: p.valorTotal });
        } catch (err) {
          return { ok: false, etapa: 'fiscal', erro: mensagem(err) };
        }
        const emitida: Passagem = { status: 'nf_emitida', detalhe: `NF-e ${nota.numero} série ${nota.serie}, chave ${nota.chave_acesso}` };
        const nf: CamposPedido = { nfNumero: nota.numero, nfSerie: nota.serie, nfChave: nota.chave_acesso };
        const envio = await this.enviar(id, nota.chave_acesso);
        if (!envio.ok) {
          // The nota is secured on its own; the order waits at nf_emitida for the worker to ship it.
          if (await this.repo.transicao(id, 'em_separacao', 'nf_emitida', emitida.detalhe, nf)) return envio.falha;
          p = await this.repo.obter(id);
          continue;
        }
        const r = await this.repo.transicaoApurada(id, 'em_separacao', 'enviado', envio.detalhe, { ...nf, ...envio.campos, ...o.fecho?.campos }, o.fecho?.fila, emitida);
        if (r.movido || r.repetida) return { ok: true, fechado: r.movido };
        p = await this.repo.obter(id);
        continue;
      }
      if (p.status === 'nf_emitida') {
        const envio = await this.enviar(id, p.nfChave!);
        if (!envio.ok) return envio.falha;
        const r = await this.repo.transicaoApurada(id, 'nf_emitida', 'enviado', envio.detalhe, { ...envio.campos, ...o.fecho?.campos }, o.fecho?.fila);
        // `repetida` alone: ours after a failover retry, or the worker's identical move; either way the order is
        // enviado, but the fecho may not have been applied (the caller then applies it on its own).
        if (r.movido || r.repetida) return { ok: true, fechado: r.movido };
        p = await this.repo.obter(id);
        continue;
      }
      return { ok: true, fechado: false };
    }
    return { ok: true, fechado: false };
  }

  /** logistica's create-and-dispatch (idempotent by pedido_id): the enviado transition's detalhe and fields, or the failure to report. */
  private async enviar(id: number, nfChave: string): Promise<{ ok: true; detalhe: string; campos: CamposPedido } | { ok: false; falha: Continuacao }> {
    let envio;
    try {
      envio = await this.portas.logistica.criarEnvio({ pedido_id: id, nota_fiscal_chave: nfChave, despachar: true });
    } catch (err) {
      return { ok: false, falha: { ok: false, etapa: 'logistica', erro: mensagem(err) } };
    }
    // A create-and-dispatch never answers an undispatched shipment; if one did, the step is not done.
    if (envio.status === 'aguardando_envio') {
      return { ok: false, falha: { ok: false, etapa: 'logistica', erro: `logistica answered shipment ${envio.codigo_rastreamento} not dispatched` } };
    }
    return { ok: true, detalhe: `enviado, rastreamento ${envio.codigo_rastreamento}`, campos: { codigoRastreamento: envio.codigo_rastreamento } };
  }

  /** One attempt at a queued step (the worker calls this). */
  async executarTarefa(t: TarefaGuardada): Promise<ResultadoTarefa> {
    try {
      switch (t.etapa as Etapa) {
        case 'fiscal':
        case 'logistica': {
          const r = await this.continuar(t.pedidoId);
          if (r.ok) return { feito: true };
          return r.etapa === t.etapa ? { feito: false, erro: r.erro } : { feito: true, seguintes: [{ etapa: r.etapa, erro: r.erro }] };
        }
        case 'estornar_pagamento':
          await this.portas.pagamentos.estornar(t.pedidoId);
          return { feito: true };
        case 'liberar_separacao':
          await this.portas.estoque.liberar(t.pedidoId);
          return { feito: true };
        case 'esvaziar_carrinho': {
          const p = await this.repo.obter(t.pedidoId);
          if (p?.carrinhoId) await this.portas.carrinho.esvaziar(p.carrinhoId);
          return { feito: true };
        }
        case 'retomar':
          return await this.retomar(t.pedidoId);
        default:
          return { feito: false, erro: `unknown step "${t.etapa}"` };
      }
    } catch (err) {
      return { feito: false, erro: mensagem(err) };
    }
  }

  /** A request that never finished (pedidos died mid-chain): compensate before the money and stock were secured, finish after. */
  private async retomar(id: number): Promise<ResultadoTarefa> {
    const p = await this.repo.obter(id);
    if (!p) return { feito: true };
    if (p.status === 'pendente' || p.status === 'pagamento_aprovado') {
      // A request writes pagamento_aprovado together with em_separacao, so one that died at 'pendente' may have
      // been paid AND separated: void and release both (each is idempotent; a release of nothing is a 404 that
      // the estoque port reads as 'nothing to release').
      const pendentes = await this.compensar(id, { estornar: true, liberar: true });
      const ok = await this.repo.transicao(id, p.status, 'cancelado', 'checkout_interrompido: pedidos stopped mid-checkout; compensated', {
        motivoCancelamento: 'checkout_interrompido: pedidos stopped mid-checkout',
        respostaStatus: p.respostaStatus ?? 503,
        liberarChave: true,
      }, { adicionar: pendentes });
      return ok ? { feito: true } : { feito: false, erro: 'order moved while compensating; trying again' };
    }
    if (p.status === 'em_separacao' || p.status === 'nf_emitida') {
      if (p.respostaStatus === null) await this.repo.atualizar(id, { respostaStatus: 202 });
      const r = await this.continuar(id);
      return r.ok ? { feito: true } : { feito: true, seguintes: [{ etapa: r.etapa, erro: r.erro }] };
    }
    return { feito: true };
  }
}
