/**
 * Orders, their items and history, and the durable queue of checkout steps (tarefas_pendentes), in pedidos'
 * own database. The checkout's statements (create, read, status change, queue change) are each ONE SQL
 * statement (data-modifying WITH) on the pg pool under the Prisma client: a status change is a guarded
 * UPDATE (only from the expected status), so a request and the worker never both move one order, and its
 * history row and queue changes happen in the same statement or not at all. The rest (the worker's claim and
 * postponement, a lookup after a conflict) goes through the Prisma client. Money stays NUMERIC in the database
 * and a two-decimal string here; bigint ids become numbers (orders) or strings (tasks) at this boundary.
 * A statement never removes and adds the same (order, step) task: no caller asks for that.
 */
import { type DbRetryOptions, failedBeforeSend, sqlState, violatedConstraint } from '@brigadeiro/db';
import type { StatusPedido } from '@brigadeiro/contracts';
import type { TarefaPendente as TarefaRow } from '../generated/prisma/client';
import type { Database } from './database';

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
  /** The row id: internal (downstream calls and the queue key on it); never shown to a client. */
  id: number;
  /** The public reference (UUID v4): the order's only id outside the system. */
  referencia: string;
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
  /**
   * The public reference, chosen by the caller (a random UUID v4) so that a retry whose first attempt in fact
   * committed (its answer lost in a failover) can recognise the row it finds under the key as its own.
   */
  referencia: string;
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
  | { ok: true; id: number; referencia: string }
  | { ok: false; motivo: 'chave_repetida' | 'carrinho_com_pedido' };

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

export type Fila = { remover?: string[]; adicionar?: { etapa: string; erro?: string }[] };

/**
 * A status the order passes through inside a transition, written to its history just before the new
 * status (same statement, same timestamp): the request writes pagamento_aprovado with em_separacao and
 * nf_emitida with enviado, one commit where each used to take its own.
 */
export type Passagem = { status: StatusPedido; detalhe: string };

/** An order row as pg returns it (bigint and numeric as strings, jsonb parsed). */
interface LinhaPedido {
  id: string;
  referencia: string;
  carrinho_id: string | null;
  idempotency_key: string | null;
  status: string;
  cliente: { nome: string; email: string } | null;
  metodo_pagamento: string | null;
  valor_total: string;
  motivo_cancelamento: string | null;
  pagamento_id: number | null;
  nf_numero: number | null;
  nf_serie: number | null;
  nf_chave: string | null;
  codigo_rastreamento: string | null;
  resposta_status: number | null;
  criado_em: Date;
  atualizado_em: Date;
}

const PEDIDO = `p.id, p.referencia, p.carrinho_id, p.idempotency_key, p.status, p.cliente, p.metodo_pagamento, p.valor_total, p.motivo_cancelamento,
  p.pagamento_id, p.nf_numero, p.nf_serie, p.nf_chave, p.codigo_rastreamento, p.resposta_status, p.criado_em, p.atualizado_em`;

function pedidoDe(r: LinhaPedido): PedidoGuardado {
  return {
    id: Number(r.id),
    referencia: r.referencia,
    carrinhoId: r.carrinho_id,
    idempotencyKey: r.idempotency_key,
    status: r.status as StatusPedido,
    cliente: r.cliente,
    metodoPagamento: r.metodo_pagamento,
    // numeric(12,2) comes from pg as its text, always with two decimals ("110.90").
    valorTotal: r.valor_total,
    motivoCancelamento: r.motivo_cancelamento,
    pagamentoId: r.pagamento_id,
    nfNumero: r.nf_numero,
    nfSerie: r.nf_serie,
    nfChave: r.nf_chave,
    codigoRastreamento: r.codigo_rastreamento,
    respostaStatus: r.resposta_status,
    criadoEm: r.criado_em,
    atualizadoEm: r.atualizado_em,
  };
}

function tarefaDe(r: { id: bigint | string; pedidoId: bigint | string | number } & Pick<TarefaRow, 'etapa' | 'tentativas' | 'proximaTentativaEm' | 'ultimoErro'>): TarefaGuardada {
  return {
    id: String(r.id),
    pedidoId: Number(r.pedidoId),
    etapa: r.etapa,
    tentativas: r.tentativas,
    proximaTentativaEm: r.proximaTentativaEm,
    ultimoErro: r.ultimoErro,
  };
}

/**
 * Adds queue tasks from the rows of `fonte` (columns pedido_id, etapa, erro), keeping the earlier due time
 * of a task that is already there (LEAST has no Prisma form). One text, used by every statement that queues.
 */
const ENFILEIRAR = (fonte: string) => `
  INSERT INTO tarefas_pendentes (pedido_id, etapa, ultimo_erro) SELECT pedido_id, etapa, erro FROM ${fonte}
  ON CONFLICT (pedido_id, etapa) DO UPDATE SET ultimo_erro = EXCLUDED.ultimo_erro,
    proxima_tentativa_em = LEAST(tarefas_pendentes.proxima_tentativa_em, now())`;

/**
 * The order, its items, the first history row and the 'retomar' safety task: one statement, so one round
 * trip and one commit (the customer is an upsert by email). $1 nome, $2 email, $3 cliente, $4 carrinho,
 * $5 key, $6 metodo, $7 total, $8-$11 the items' columns, $12 detalhe, $13 retomar due in ms, $14 referencia.
 */
const CRIAR = `
WITH cliente AS (
  INSERT INTO clientes (nome, email) VALUES ($1, $2)
  ON CONFLICT (email) DO UPDATE SET nome = EXCLUDED.nome RETURNING id
), pedido AS (
  INSERT INTO pedidos (cliente_id, cliente, carrinho_id, idempotency_key, metodo_pagamento, valor_total, referencia)
  SELECT id, $3::jsonb, $4, $5, $6, $7::numeric, $14::uuid FROM cliente RETURNING id, referencia
), itens AS (
  INSERT INTO itens_pedido (pedido_id, produto_id, nome, quantidade, preco_unitario)
  SELECT pedido.id, i.produto_id, i.nome, i.quantidade, i.preco
  FROM pedido, unnest($8::int[], $9::text[], $10::int[], $11::numeric[]) AS i (produto_id, nome, quantidade, preco)
), historico AS (
  INSERT INTO pedido_historico (pedido_id, status, detalhe) SELECT id, 'pendente', $12 FROM pedido
), retomar AS (
  INSERT INTO tarefas_pendentes (pedido_id, etapa, proxima_tentativa_em)
  SELECT id, 'retomar', now() + $13::int * interval '1 millisecond' FROM pedido
)
SELECT id, referencia FROM pedido`;

/**
 * A status change (or, with no statuses, a change of fields only) with its history rows and queue changes, as
 * ONE statement: the order moves only if it is in one of $2 (NULL: any), and the rest happens only if it
 * moved. $3 new status (NULL: none, no history row), $4-$10 fields (NULL: unchanged), $11 forget the key,
 * $12 detalhe, $13 tasks to remove, $14/$15 tasks to add (etapa, erro), $16/$17 a status passed through on
 * the way (Passagem; NULL: none), written to the history before $3 (ORDER BY: its id comes first). `repetida`:
 * the last history row is already this very change (a retry after a commit whose answer was lost; see
 * `transicao`).
 */
const MUDAR = `
WITH movido AS (
  UPDATE pedidos SET
    status = coalesce($3::text, status),
    pagamento_id = coalesce($4::int, pagamento_id),
    nf_numero = coalesce($5::int, nf_numero),
    nf_serie = coalesce($6::int, nf_serie),
    nf_chave = coalesce($7::text, nf_chave),
    codigo_rastreamento = coalesce($8::text, codigo_rastreamento),
    motivo_cancelamento = coalesce($9::text, motivo_cancelamento),
    resposta_status = coalesce($10::int, resposta_status),
    idempotency_key = CASE WHEN $11::boolean THEN NULL ELSE idempotency_key END
  WHERE id = $1 AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
  RETURNING id
), historico AS (
  INSERT INTO pedido_historico (pedido_id, status, detalhe)
  SELECT movido.id, h.status, h.detalhe FROM movido, (VALUES (1, $16::text, $17::text), (2, $3::text, $12::text)) AS h (ordem, status, detalhe)
  WHERE $3::text IS NOT NULL AND h.status IS NOT NULL ORDER BY h.ordem
), removidas AS (
  DELETE FROM tarefas_pendentes WHERE pedido_id IN (SELECT id FROM movido) AND etapa = ANY ($13::text[])
), adicionadas AS (${ENFILEIRAR(`(SELECT movido.id AS pedido_id, a.etapa, a.erro FROM movido, unnest($14::text[], $15::text[]) AS a (etapa, erro)) novas`)}
)
SELECT EXISTS (SELECT 1 FROM movido) AS movido,
  coalesce((SELECT h.status = $3::text AND h.detalhe IS NOT DISTINCT FROM $12::text FROM pedido_historico h
            WHERE h.pedido_id = $1 ORDER BY h.em DESC, h.id DESC LIMIT 1), false) AS repetida`;

/** The order with its items, history and queued tasks, in one round trip; by row id or by public reference. */
const completoPor = (coluna: 'id' | 'referencia') => `
SELECT ${PEDIDO},
  (SELECT coalesce(json_agg(json_build_object('produtoId', i.produto_id, 'nome', i.nome, 'quantidade', i.quantidade,
            'precoUnitario', i.preco_unitario::text, 'subtotal', (i.preco_unitario * i.quantidade)::text) ORDER BY i.produto_id), '[]')
     FROM itens_pedido i WHERE i.pedido_id = p.id) AS itens,
  (SELECT coalesce(json_agg(json_build_object('status', h.status, 'detalhe', h.detalhe, 'em', h.em) ORDER BY h.em, h.id), '[]')
     FROM pedido_historico h WHERE h.pedido_id = p.id) AS historico,
  (SELECT coalesce(json_agg(json_build_object('id', t.id::text, 'pedidoId', t.pedido_id, 'etapa', t.etapa, 'tentativas', t.tentativas,
            'proximaTentativaEm', t.proxima_tentativa_em, 'ultimoErro', t.ultimo_erro) ORDER BY t.id), '[]')
     FROM tarefas_pendentes t WHERE t.pedido_id = p.id) AS tarefas
FROM pedidos p WHERE p.${coluna} = $1`;
const COMPLETO = { id: completoPor('id'), referencia: completoPor('referencia') };

/** How long pedidos keeps retrying its database through a failover: 8 s (a node-death failover takes ~5 s) < nginx's 15 s. */
export const PEDIDOS_DB_RETRY: DbRetryOptions = { windowMs: 8_000 };

/**
 * Every call runs through the database's retry (`db.run` / `db.query` with `retry`): each statement is a
 * read or idempotent as a whole (order creation is keyed by the Idempotency-Key, so a retry after a commit
 * whose answer was lost meets 23505 and is reported as such; status changes are guarded; queue changes are
 * upserts/deletes). A database still unreachable after the window is a 503 with Retry-After.
 *
 * The checkout's own statements (create, read, status changes) are single SQL statements on the pg pool
 * under the Prisma client: one round trip and one commit each, where Prisma needed a transaction of four to
 * six statements, each costing about three times raw pg's CPU here (docs/BENCHMARKS.md, "what moved").
 */
export class PedidosRepository {
  constructor(
    private readonly db: Database,
    private readonly retry: DbRetryOptions = PEDIDOS_DB_RETRY,
  ) {}

  private ler<T>(fn: (prisma: Database['prisma']) => Promise<T>): Promise<T> {
    return this.db.run(fn, this.retry);
  }

  private sql<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    return this.db.query<R & Record<string, unknown>>(text, values, this.retry);
  }

  /**
   * Customer, order (pendente), items, first history row and the 'retomar' safety task in one statement.
   * A duplicate Idempotency-Key or a cart that already has a live order is reported, not thrown.
   */
  async criar(p: NovoPedido): Promise<CriacaoPedido> {
    try {
      const [row] = await this.sql<{ id: string; referencia: string }>(CRIAR, [
        p.cliente.nome,
        p.cliente.email.toLowerCase(),
        JSON.stringify(p.cliente),
        p.carrinhoId,
        p.idempotencyKey,
        p.metodoPagamento,
        p.valorTotal,
        p.itens.map((i) => i.produtoId),
        p.itens.map((i) => i.nome),
        p.itens.map((i) => i.quantidade),
        p.itens.map((i) => i.precoUnitario),
        `pedido criado (total ${p.valorTotal})`,
        Math.round(p.retomarEmMs),
        p.referencia,
      ]);
      if (!row) throw new Error('order insert returned no row');
      return { ok: true, id: Number(row.id), referencia: row.referencia };
    } catch (err) {
      if (sqlState(err) !== '23505') throw err;
      // The live-order-per-cart rule is a partial unique index (WHERE status <> 'cancelado'): told apart by its name.
      // The other order is not named: holding a cart id must not lead to another person's order.
      return { ok: false, motivo: violatedConstraint(err) === 'pedidos_carrinho_ativo_uidx' ? 'carrinho_com_pedido' : 'chave_repetida' };
    }
  }

  async porChave(key: string): Promise<PedidoGuardado | null> {
    const [r] = await this.sql<LinhaPedido>(`SELECT ${PEDIDO} FROM pedidos p WHERE p.idempotency_key = $1`, [key]);
    return r ? pedidoDe(r) : null;
  }

  async obter(id: number): Promise<PedidoGuardado | null> {
    const [r] = await this.sql<LinhaPedido>(`SELECT ${PEDIDO} FROM pedidos p WHERE p.id = $1`, [id]);
    return r ? pedidoDe(r) : null;
  }

  /** The whole order by its row id (a number) or by its public reference (a UUID string). */
  async completo(chave: number | string): Promise<PedidoCompleto | null> {
    type Linha = LinhaPedido & {
      itens: ItemGuardado[];
      historico: { status: string; detalhe: string | null; em: string }[];
      tarefas: { id: string; pedidoId: number; etapa: string; tentativas: number; proximaTentativaEm: string; ultimoErro: string | null }[];
    };
    const [r] = await this.sql<Linha>(typeof chave === 'number' ? COMPLETO.id : COMPLETO.referencia, [chave]);
    if (!r) return null;
    return {
      ...pedidoDe(r),
      itens: r.itens,
      // Timestamps inside JSON arrive as ISO 8601 text.
      historico: r.historico.map((h) => ({ status: h.status as StatusPedido, detalhe: h.detalhe, em: new Date(h.em) })),
      tarefas: r.tarefas.map((t) => tarefaDe({ ...t, proximaTentativaEm: new Date(t.proximaTentativaEm) })),
    };
  }

  /** One MUDAR statement; whether the order moved, and whether its last history row is already this change. */
  private async mudar(id: number, de: StatusPedido[] | null, para: StatusPedido | null, detalhe: string | null, campos: CamposPedido, fila: Fila, passou?: Passagem) {
    const [r] = await this.sql<{ movido: boolean; repetida: boolean }>(MUDAR, [
      id,
      de,
      para,
      campos.pagamentoId ?? null,
      campos.nfNumero ?? null,
      campos.nfSerie ?? null,
      campos.nfChave ?? null,
      campos.codigoRastreamento ?? null,
      campos.motivoCancelamento ?? null,
      campos.respostaStatus ?? null,
      campos.liberarChave === true,
      detalhe,
      fila.remover ?? [],
      (fila.adicionar ?? []).map((t) => t.etapa),
      (fila.adicionar ?? []).map((t) => t.erro ?? null),
      passou?.status ?? null,
      passou?.detalhe ?? null,
    ]);
    return r ?? { movido: false, repetida: false };
  }

  /**
   * Moves the order from `de` (one status or several) to `para`, sets `campos`, appends the history row (after
   * the row of `passou`, a status passed through on the way, when given), and optionally removes/adds queue
   * tasks, all in one statement. Returns false (and changes nothing) when the order is no longer in `de`:
   * someone else moved it.
   */
  async transicao(id: number, de: StatusPedido | StatusPedido[], para: StatusPedido, detalhe: string, campos: CamposPedido = {}, fila: Fila = {}, passou?: Passagem): Promise<boolean> {
    const r = await this.transicaoApurada(id, de, para, detalhe, campos, fila, passou);
    // After a failover, a retry of this statement whose first attempt DID commit (the COMMIT reached the
    // synchronous replica; its answer was lost with the old primary) finds the order already moved: the last
    // history row is exactly this transition, so it is ours, not someone else's.
    return r.movido || r.repetida;
  }

  /**
   * `transicao` telling its two yeses apart: `movido`, this statement moved the order (and set `campos`, changed
   * the queue); only `repetida`, the last history row is already this change, written by an earlier attempt of
   * this statement (see above) or by someone else making the very same change, so `campos`/`fila` may not be ours.
   */
  async transicaoApurada(id: number, de: StatusPedido | StatusPedido[], para: StatusPedido, detalhe: string, campos: CamposPedido = {}, fila: Fila = {}, passou?: Passagem): Promise<{ movido: boolean; repetida: boolean }> {
    return this.mudar(id, Array.isArray(de) ? de : [de], para, detalhe, campos, fila, passou);
  }

  /** Sets fields without a status change (e.g. the answer's status) and changes the queue. */
  async atualizar(id: number, campos: CamposPedido, fila: Fila = {}): Promise<void> {
    await this.mudar(id, null, null, null, campos, fila);
  }

  // ---- the durable queue

  /**
   * Claims up to `limite` due tasks: FOR UPDATE SKIP LOCKED picks rows no other worker is claiming, and the
   * claim pushes their next attempt `leaseMs` ahead, so a worker that dies mid-task leaves it to another
   * one after the lease instead of losing it. `tentativas` counts the claims. Not idempotent (a second run
   * claims other rows and counts again), so it is retried only when the error proves it never ran; a claim
   * lost in flight just leaves its rows leased until the lease ends.
   */
  async reivindicar(limite: number, leaseMs: number): Promise<TarefaGuardada[]> {
    const rows = await this.db.run((prisma) =>
      prisma.$queryRaw<{ id: bigint; pedido_id: bigint; etapa: string; tentativas: number; proxima_tentativa_em: Date; ultimo_erro: string | null }[]>`
        UPDATE tarefas_pendentes t SET tentativas = t.tentativas + 1, proxima_tentativa_em = now() + ${Math.round(leaseMs)}::int * interval '1 millisecond'
        FROM (SELECT id FROM tarefas_pendentes WHERE proxima_tentativa_em <= now()
              ORDER BY proxima_tentativa_em LIMIT ${limite}::int FOR UPDATE SKIP LOCKED) due
        WHERE t.id = due.id
        RETURNING t.id, t.pedido_id, t.etapa, t.tentativas, t.proxima_tentativa_em, t.ultimo_erro`,
      { ...this.retry, retryIf: failedBeforeSend },
    );
    return rows.map((r) =>
      tarefaDe({ id: r.id, pedidoId: r.pedido_id, etapa: r.etapa, tentativas: r.tentativas, proximaTentativaEm: r.proxima_tentativa_em, ultimoErro: r.ultimo_erro }),
    );
  }

  /** The task is done: remove it, and enqueue what follows from it (one statement). */
  async concluirTarefa(id: string, seguintes: { pedidoId: number; etapa: string; erro?: string }[] = []): Promise<void> {
    await this.sql(
      `WITH feita AS (DELETE FROM tarefas_pendentes WHERE id = $1::bigint)
       ${ENFILEIRAR('unnest($2::bigint[], $3::text[], $4::text[]) AS seguintes (pedido_id, etapa, erro)')}`,
      [id, seguintes.map((s) => s.pedidoId), seguintes.map((s) => s.etapa), seguintes.map((s) => s.erro ?? null)],
    );
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
