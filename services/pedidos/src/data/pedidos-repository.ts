/**
 * Orders, their items and history, and the durable queue of checkout steps (tarefas_pendentes), in pedidos'
 * own database, through its Prisma client. Status changes are guarded updates (`updateMany` where the status
 * is the expected one), so a request and the worker never both move one order. Two statements stay SQL
 * (tagged $queryRaw/$executeRaw, parameterised): the queue's claim (FOR UPDATE SKIP LOCKED) and the task
 * upsert that keeps the earlier due time (LEAST). Money stays NUMERIC in the database and a two-decimal
 * string here (Decimal.toFixed(2)); BigInt ids become numbers (orders) or strings (tasks) at this boundary.
 */
import { type DbRetryOptions, sqlState, violatedConstraint } from '@brigadeiro/db';
import type { StatusPedido } from '@brigadeiro/contracts';
import type { Pedido as PedidoRow, TarefaPendente as TarefaRow } from '../generated/prisma/client';
import type { Database, Prisma } from './database';

export interface ItemGuardado {
  produtoId: number;
  nome: string;
  quantidade: number;
  precoUnitario: string;
  subtotal: string;
}

export interface HistoricoGuardado {
  status: StatusPedido;
  detalhe: string | null;
  em: Date;
}

export interface TarefaGuardada {
  id: string;
  pedidoId: number;
  etapa: string;
  tentativas: number;
  proximaTentativaEm: Date;
  ultimoErro: string | null;
}

export interface PedidoGuardado {
  id: number;
  carrinhoId: string | null;
  idempotencyKey: string | null;
  status: StatusPedido;
  cliente: { nome: string; email: string } | null;
  metodoPagamento: string | null;
  valorTotal: string;
  motivoCancelamento: string | null;
  pagamentoId: number | null;
  nfNumero: number | null;
  nfSerie: number | null;
  nfChave: string | null;
  codigoRastreamento: string | null;
  respostaStatus: number | null;
  criadoEm: Date;
  atualizadoEm: Date;
}

export interface PedidoCompleto extends PedidoGuardado {
  itens: ItemGuardado[];
  historico: HistoricoGuardado[];
  tarefas: TarefaGuardada[];
}

export interface NovoPedido {
  idempotencyKey: string;
  carrinhoId: string;
  cliente: { nome: string; email: string };
  metodoPagamento: string;
  valorTotal: string;
  itens: { produtoId: number; nome: string; quantidade: number; precoUnitario: string }[];
  /** A 'retomar' task due at now() + this, removed when the request finishes: a crash mid-chain is resumed or compensated by the worker. */
  retomarEmMs: number;
}

export type CriacaoPedido =
  | { ok: true; id: number }
  | { ok: false; motivo: 'chave_repetida' }
  | { ok: false; motivo: 'carrinho_com_pedido'; pedidoId: number | null };

/** Fields a transition may set together with the status. */
export interface CamposPedido {
  pagamentoId?: number;
  nfNumero?: number;
  nfSerie?: number;
  nfChave?: string;
  codigoRastreamento?: string;
  motivoCancelamento?: string;
  respostaStatus?: number;
  /** Forget the Idempotency-Key (a checkout refused with 503 does not use up its key). */
  liberarChave?: boolean;
}

type Tx = Prisma.TransactionClient;
type Fila = { remover?: string[]; adicionar?: { etapa: string; erro?: string }[] };

function pedidoDe(r: PedidoRow): PedidoGuardado {
  return {
    id: Number(r.id),
    carrinhoId: r.carrinhoId,
    idempotencyKey: r.idempotencyKey,
    status: r.status as StatusPedido,
    cliente: (r.cliente as { nome: string; email: string } | null) ?? null,
    metodoPagamento: r.metodoPagamento,
    valorTotal: r.valorTotal.toFixed(2),
    motivoCancelamento: r.motivoCancelamento,
    pagamentoId: r.pagamentoId,
    nfNumero: r.nfNumero,
    nfSerie: r.nfSerie,
    nfChave: r.nfChave,
    codigoRastreamento: r.codigoRastreamento,
    respostaStatus: r.respostaStatus,
    criadoEm: r.criadoEm,
    atualizadoEm: r.atualizadoEm,
  };
}

function tarefaDe(r: Pick<TarefaRow, 'id' | 'pedidoId' | 'etapa' | 'tentativas' | 'proximaTentativaEm' | 'ultimoErro'>): TarefaGuardada {
  return {
    id: String(r.id),
    pedidoId: Number(r.pedidoId),
    etapa: r.etapa,
    tentativas: r.tentativas,
    proximaTentativaEm: r.proximaTentativaEm,
    ultimoErro: r.ultimoErro,
  };
}

/** The columns a transition or an update sets (Prisma data), from the domain's names. */
function dadosDe(campos: CamposPedido): Prisma.PedidoUpdateManyMutationInput {
  const { liberarChave, ...resto } = campos;
  const data: Prisma.PedidoUpdateManyMutationInput = {};
  for (const [k, v] of Object.entries(resto)) if (v !== undefined) (data as Record<string, unknown>)[k] = v;
  if (liberarChave) data.idempotencyKey = null;
  return data;
}

async function mexerNaFila(tx: Tx, pedidoId: number, fila: Fila): Promise<void> {
  if (fila.remover?.length) await tx.tarefaPendente.deleteMany({ where: { pedidoId, etapa: { in: fila.remover } } });
  for (const t of fila.adicionar ?? []) {
    // An upsert that keeps the earlier due time: LEAST has no Prisma form.
    await tx.$executeRaw`
      INSERT INTO tarefas_pendentes (pedido_id, etapa, ultimo_erro) VALUES (${pedidoId}::bigint, ${t.etapa}, ${t.erro ?? null})
      ON CONFLICT (pedido_id, etapa) DO UPDATE SET ultimo_erro = EXCLUDED.ultimo_erro, proxima_tentativa_em = LEAST(tarefas_pendentes.proxima_tentativa_em, now())`;
  }
}

/** How long pedidos keeps retrying its database through a failover: 8 s (a node-death failover takes ~5 s) < nginx's 15 s. */
export const PEDIDOS_DB_RETRY: DbRetryOptions = { windowMs: 8_000 };

// Under a burst of checkouts transactions queue for pooled connections: give them time rather than P2028.
const TX = { maxWait: 10_000, timeout: 15_000 } as const;

/**
 * Every call runs through `db.run` with `retry`: each statement is a read or idempotent, and each transaction
 * is idempotent as a whole (order creation is keyed by the Idempotency-Key, so a retry after a commit whose
 * answer was lost meets 23505 and is reported as such; status changes are guarded; queue changes are
 * upserts/deletes). A database still unreachable after the window is a 503 with Retry-After.
 */
export class PedidosRepository {
  constructor(
    private readonly db: Database,
    private readonly retry: DbRetryOptions = PEDIDOS_DB_RETRY,
  ) {}

  private em<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.run((prisma) => prisma.$transaction(fn, TX), this.retry);
  }

  private ler<T>(fn: (prisma: Database['prisma']) => Promise<T>): Promise<T> {
    return this.db.run(fn, this.retry);
  }

  /**
   * Customer, order (pendente), items, first history row and the 'retomar' safety task in one transaction.
   * A duplicate Idempotency-Key or a cart that already has a live order is reported, not thrown.
   */
  async criar(p: NovoPedido): Promise<CriacaoPedido> {
    try {
      const id = await this.em(async (tx) => {
        const email = p.cliente.email.toLowerCase();
        // Native INSERT ... ON CONFLICT (email) DO UPDATE: the where is the one unique field the create sets.
        const cli = await tx.cliente.upsert({ where: { email }, create: { nome: p.cliente.nome, email }, update: { nome: p.cliente.nome }, select: { id: true } });
        const ped = await tx.pedido.create({
          data: {
            clienteId: cli.id,
            cliente: p.cliente,
            carrinhoId: p.carrinhoId,
            idempotencyKey: p.idempotencyKey,
            metodoPagamento: p.metodoPagamento,
            valorTotal: p.valorTotal,
          },
          select: { id: true },
        });
        await tx.itemPedido.createMany({
          data: p.itens.map((i) => ({ pedidoId: ped.id, produtoId: i.produtoId, nome: i.nome, quantidade: i.quantidade, precoUnitario: i.precoUnitario })),
        });
        await tx.pedidoHistorico.create({ data: { pedidoId: ped.id, status: 'pendente', detalhe: `pedido criado (total ${p.valorTotal})` } });
        await tx.tarefaPendente.create({ data: { pedidoId: ped.id, etapa: 'retomar', proximaTentativaEm: new Date(Date.now() + p.retomarEmMs) } });
        return Number(ped.id);
      });
      return { ok: true, id };
    } catch (err) {
      if (sqlState(err) !== '23505') throw err;
      // The live-order-per-cart rule is a partial unique index (WHERE status <> 'cancelado'): told apart by its name.
      if (violatedConstraint(err) === 'pedidos_carrinho_ativo_uidx') {
        const outro = await this.ler((prisma) =>
          prisma.pedido.findFirst({ where: { carrinhoId: p.carrinhoId, status: { not: 'cancelado' } }, select: { id: true } }),
        );
        return { ok: false, motivo: 'carrinho_com_pedido', pedidoId: outro ? Number(outro.id) : null };
      }
      return { ok: false, motivo: 'chave_repetida' };
    }
  }

  async porChave(key: string): Promise<PedidoGuardado | null> {
    const r = await this.ler((prisma) => prisma.pedido.findUnique({ where: { idempotencyKey: key } }));
    return r ? pedidoDe(r) : null;
  }

  async obter(id: number): Promise<PedidoGuardado | null> {
    const r = await this.ler((prisma) => prisma.pedido.findUnique({ where: { id } }));
    return r ? pedidoDe(r) : null;
  }

  async itens(id: number): Promise<ItemGuardado[]> {
    const rows = await this.ler((prisma) => prisma.itemPedido.findMany({ where: { pedidoId: id }, orderBy: { produtoId: 'asc' } }));
    return rows.map((i) => ({
      produtoId: i.produtoId,
      nome: i.nome,
      quantidade: i.quantidade,
      precoUnitario: i.precoUnitario.toFixed(2),
      subtotal: i.precoUnitario.mul(i.quantidade).toFixed(2),
    }));
  }

  async completo(id: number): Promise<PedidoCompleto | null> {
    const pedido = await this.obter(id);
    if (!pedido) return null;
    const [itens, historico, tarefas] = await Promise.all([
      this.itens(id),
      this.ler((prisma) =>
        prisma.pedidoHistorico.findMany({ where: { pedidoId: id }, orderBy: [{ em: 'asc' }, { id: 'asc' }], select: { status: true, detalhe: true, em: true } }),
      ),
      this.ler((prisma) => prisma.tarefaPendente.findMany({ where: { pedidoId: id }, orderBy: { id: 'asc' } })),
    ]);
    return {
      ...pedido,
      itens,
      historico: historico.map((h) => ({ status: h.status as StatusPedido, detalhe: h.detalhe, em: h.em })),
      tarefas: tarefas.map(tarefaDe),
    };
  }

  /**
   * Moves the order from `de` (one status or several) to `para`, sets `campos`, appends the history row, and
   * optionally removes/adds queue tasks, all in one transaction. Returns false (and changes nothing) when the
   * order is no longer in `de`: someone else moved it.
   */
  async transicao(id: number, de: StatusPedido | StatusPedido[], para: StatusPedido, detalhe: string, campos: CamposPedido = {}, fila: Fila = {}): Promise<boolean> {
    return this.em(async (tx) => {
      const { count } = await tx.pedido.updateMany({
        where: { id, status: { in: Array.isArray(de) ? de : [de] } },
        data: { ...dadosDe(campos), status: para },
      });
      if (count === 0) {
        // After a failover, a retry of this transaction whose first attempt DID commit (the COMMIT reached the
        // synchronous replica; its answer was lost with the old primary) finds the order already moved: the
        // last history row is exactly this transition, so it is ours, not someone else's.
        const ultimo = await tx.pedidoHistorico.findFirst({ where: { pedidoId: id }, orderBy: [{ em: 'desc' }, { id: 'desc' }], select: { status: true, detalhe: true } });
        return ultimo?.status === para && ultimo.detalhe === detalhe;
      }
      await tx.pedidoHistorico.create({ data: { pedidoId: id, status: para, detalhe } });
      await mexerNaFila(tx, id, fila);
      return true;
    });
  }

  /** Sets fields without a status change (e.g. the tracking code before the despacho, the answer's status). */
  async atualizar(id: number, campos: CamposPedido, fila: Fila = {}): Promise<void> {
    await this.em(async (tx) => {
      const data = dadosDe(campos);
      if (Object.keys(data).length > 0) await tx.pedido.updateMany({ where: { id }, data });
      await mexerNaFila(tx, id, fila);
    });
  }

  // ---- the durable queue

  /**
   * Claims up to `limite` due tasks: FOR UPDATE SKIP LOCKED picks rows no other worker is claiming, and the
   * claim pushes their next attempt `leaseMs` ahead, so a worker that dies mid-task leaves it to another
   * one after the lease instead of losing it. `tentativas` counts the claims.
   */
  async reivindicar(limite: number, leaseMs: number): Promise<TarefaGuardada[]> {
    const rows = await this.ler((prisma) =>
      prisma.$queryRaw<{ id: bigint; pedido_id: bigint; etapa: string; tentativas: number; proxima_tentativa_em: Date; ultimo_erro: string | null }[]>`
        UPDATE tarefas_pendentes t SET tentativas = t.tentativas + 1, proxima_tentativa_em = now() + ${Math.round(leaseMs)}::int * interval '1 millisecond'
        FROM (SELECT id FROM tarefas_pendentes WHERE proxima_tentativa_em <= now()
              ORDER BY proxima_tentativa_em LIMIT ${limite}::int FOR UPDATE SKIP LOCKED) due
        WHERE t.id = due.id
        RETURNING t.id, t.pedido_id, t.etapa, t.tentativas, t.proxima_tentativa_em, t.ultimo_erro`,
    );
    return rows.map((r) =>
      tarefaDe({ id: r.id, pedidoId: r.pedido_id, etapa: r.etapa, tentativas: r.tentativas, proximaTentativaEm: r.proxima_tentativa_em, ultimoErro: r.ultimo_erro }),
    );
  }

  /** The task is done: remove it, and enqueue what follows from it. */
  async concluirTarefa(id: string, seguintes: { pedidoId: number; etapa: string; erro?: string }[] = []): Promise<void> {
    await this.em(async (tx) => {
      await tx.tarefaPendente.deleteMany({ where: { id: BigInt(id) } });
      for (const s of seguintes) await mexerNaFila(tx, s.pedidoId, { adicionar: [s] });
    });
  }

  /** The attempt failed: try again after `esperaMs`, remembering why. */
  async adiarTarefa(id: string, esperaMs: number, erro: string): Promise<void> {
    await this.ler((prisma) =>
      prisma.tarefaPendente.updateMany({
        where: { id: BigInt(id) },
        data: { proximaTentativaEm: new Date(Date.now() + Math.round(esperaMs)), ultimoErro: erro.slice(0, 1000) },
      }),
    );
  }
}
