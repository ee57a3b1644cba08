/**
 * Orders, their items and history, and the durable queue of checkout steps (tarefas_pendentes), in pedidos'
 * own database. Plain SQL on the pg pool: the queue needs FOR UPDATE SKIP LOCKED and status changes are
 * conditional updates (`WHERE status = <expected>`), so a request and the worker never both move one order.
 * Money stays NUMERIC in the database and a two-decimal string here (`::text` of numeric(12,2)).
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { type DbRetryOptions, isRetryableDbError, sqlState, withDbRetry } from '@brigadeiro/db';
import type { StatusPedido } from '@brigadeiro/contracts';

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

const COLUNAS: Record<keyof Omit<CamposPedido, 'liberarChave'>, string> = {
  pagamentoId: 'pagamento_id',
  nfNumero: 'nf_numero',
  nfSerie: 'nf_serie',
  nfChave: 'nf_chave',
  codigoRastreamento: 'codigo_rastreamento',
  motivoCancelamento: 'motivo_cancelamento',
  respostaStatus: 'resposta_status',
};

const PEDIDO_COLS = `id, carrinho_id, idempotency_key, status, cliente, metodo_pagamento, valor_total::text AS valor_total,
  motivo_cancelamento, pagamento_id, nf_numero, nf_serie, nf_chave, codigo_rastreamento, resposta_status, criado_em, atualizado_em`;

type Row = Record<string, unknown>;

function pedidoDe(r: Row): PedidoGuardado {
  return {
    id: Number(r.id),
    carrinhoId: (r.carrinho_id as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    status: r.status as StatusPedido,
    cliente: (r.cliente as { nome: string; email: string } | null) ?? null,
    metodoPagamento: (r.metodo_pagamento as string | null) ?? null,
    valorTotal: r.valor_total as string,
    motivoCancelamento: (r.motivo_cancelamento as string | null) ?? null,
    pagamentoId: (r.pagamento_id as number | null) ?? null,
    nfNumero: (r.nf_numero as number | null) ?? null,
    nfSerie: (r.nf_serie as number | null) ?? null,
    nfChave: (r.nf_chave as string | null) ?? null,
    codigoRastreamento: (r.codigo_rastreamento as string | null) ?? null,
    respostaStatus: (r.resposta_status as number | null) ?? null,
    criadoEm: r.criado_em as Date,
    atualizadoEm: r.atualizado_em as Date,
  };
}

function tarefaDe(r: Row): TarefaGuardada {
  return {
    id: String(r.id),
    pedidoId: Number(r.pedido_id),
    etapa: r.etapa as string,
    tentativas: r.tentativas as number,
    proximaTentativaEm: r.proxima_tentativa_em as Date,
    ultimoErro: (r.ultimo_erro as string | null) ?? null,
  };
}

/**
 * One transaction, retried whole (withDbRetry) when the database drops out during a failover. Safe because
 * every transaction here is idempotent: order creation is keyed by the Idempotency-Key (a retry after a
 * commit whose answer was lost meets 23505 and is reported as such), status changes are conditional, queue
 * changes are upserts/deletes. A client whose connection broke is destroyed, not returned to the pool.
 */
async function emTransacao<T>(pool: Pool, retry: DbRetryOptions, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return withDbRetry(async () => {
    const c = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: its connection dying between two statements (a failover)
    // would be an unhandled 'error' event that kills the process. The failing query rejects anyway.
    const onError = (err: Error) => {
      broken = err;
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      if (isRetryableDbError(err)) broken = err as Error;
      else await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.off('error', onError);
      c.release(broken);
    }
  }, retry);
}

/** How long pedidos keeps retrying its database through a failover: 8 s (a node-death failover takes ~5 s) < nginx's 15 s. */
export const PEDIDOS_DB_RETRY: DbRetryOptions = { windowMs: 8_000 };

export class PedidosRepository {
  constructor(
    private readonly pool: Pool,
    private readonly retry: DbRetryOptions = PEDIDOS_DB_RETRY,
  ) {}

  /** One statement outside a transaction, retried through a failover (every one here is a read or idempotent). */
  private q(text: string, values?: unknown[]): Promise<QueryResult> {
    return withDbRetry(() => this.pool.query(text, values), this.retry);
  }

  /**
   * Customer, order (pendente), items, first history row and the 'retomar' safety task in one transaction.
   * A duplicate Idempotency-Key or a cart that already has a live order is reported, not thrown.
   */
  async criar(p: NovoPedido): Promise<CriacaoPedido> {
    try {
      const id = await emTransacao(this.pool, this.retry, async (c) => {
        const cli = await c.query(
          `INSERT INTO clientes (nome, email) VALUES ($1, $2)
           ON CONFLICT (email) DO UPDATE SET nome = EXCLUDED.nome RETURNING id`,
          [p.cliente.nome, p.cliente.email.toLowerCase()],
        );
        const ped = await c.query(
          `INSERT INTO pedidos (cliente_id, cliente, carrinho_id, idempotency_key, metodo_pagamento, valor_total)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [cli.rows[0].id, JSON.stringify(p.cliente), p.carrinhoId, p.idempotencyKey, p.metodoPagamento, p.valorTotal],
        );
        const id = Number(ped.rows[0].id);
        await c.query(
          `INSERT INTO itens_pedido (pedido_id, produto_id, nome, quantidade, preco_unitario)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::int[], $5::numeric[])`,
          [id, p.itens.map((i) => i.produtoId), p.itens.map((i) => i.nome), p.itens.map((i) => i.quantidade), p.itens.map((i) => i.precoUnitario)],
        );
        await c.query(`INSERT INTO pedido_historico (pedido_id, status, detalhe) VALUES ($1, 'pendente', $2)`, [id, `pedido criado (total ${p.valorTotal})`]);
        await c.query(
          `INSERT INTO tarefas_pendentes (pedido_id, etapa, proxima_tentativa_em) VALUES ($1, 'retomar', now() + $2 * interval '1 millisecond')`,
          [id, p.retomarEmMs],
        );
        return id;
      });
      return { ok: true, id };
    } catch (err) {
      if (sqlState(err) !== '23505') throw err;
      const constraint = (err as { constraint?: string }).constraint;
      if (constraint === 'pedidos_carrinho_ativo_uidx') {
        const r = await this.q(`SELECT id FROM pedidos WHERE carrinho_id = $1 AND status <> 'cancelado'`, [p.carrinhoId]);
        return { ok: false, motivo: 'carrinho_com_pedido', pedidoId: r.rows[0] ? Number(r.rows[0].id) : null };
      }
      return { ok: false, motivo: 'chave_repetida' };
    }
  }

  async porChave(key: string): Promise<PedidoGuardado | null> {
    const r = await this.q(`SELECT ${PEDIDO_COLS} FROM pedidos WHERE idempotency_key = $1`, [key]);
    return r.rows[0] ? pedidoDe(r.rows[0]) : null;
  }

  async obter(id: number): Promise<PedidoGuardado | null> {
    const r = await this.q(`SELECT ${PEDIDO_COLS} FROM pedidos WHERE id = $1`, [id]);
    return r.rows[0] ? pedidoDe(r.rows[0]) : null;
  }

  async itens(id: number): Promise<ItemGuardado[]> {
    const r = await this.q(
      `SELECT produto_id, nome, quantidade, preco_unitario::text AS preco, (preco_unitario * quantidade)::numeric(14,2)::text AS subtotal
       FROM itens_pedido WHERE pedido_id = $1 ORDER BY produto_id`,
      [id],
    );
    return r.rows.map((i) => ({ produtoId: i.produto_id, nome: i.nome, quantidade: i.quantidade, precoUnitario: i.preco, subtotal: i.subtotal }));
  }

  async completo(id: number): Promise<PedidoCompleto | null> {
    const pedido = await this.obter(id);
    if (!pedido) return null;
    const [itens, hist, tarefas] = await Promise.all([
      this.itens(id),
      this.q(`SELECT status, detalhe, em FROM pedido_historico WHERE pedido_id = $1 ORDER BY em, id`, [id]),
      this.q(`SELECT * FROM tarefas_pendentes WHERE pedido_id = $1 ORDER BY id`, [id]),
    ]);
    return {
      ...pedido,
      itens,
      historico: hist.rows.map((h) => ({ status: h.status, detalhe: h.detalhe, em: h.em })),
      tarefas: tarefas.rows.map(tarefaDe),
    };
  }

  /**
   * Moves the order from `de` (one status or several) to `para`, sets `campos`, appends the history row, and
   * optionally removes/adds queue tasks, all in one transaction. Returns false (and changes nothing) when the
   * order is no longer in `de`: someone else moved it.
   */
  async transicao(
    id: number,
    de: StatusPedido | StatusPedido[],
    para: StatusPedido,
    detalhe: string,
    campos: CamposPedido = {},
    fila: { remover?: string[]; adicionar?: { etapa: string; erro?: string }[] } = {},
  ): Promise<boolean> {
    return emTransacao(this.pool, this.retry, async (c) => {
      const { sets, values } = this.sets(campos, 3);
      const r = await c.query(
        `UPDATE pedidos SET status = $2${sets} WHERE id = $1 AND status = ANY($${values.length + 3}::text[]) RETURNING id`,
        [id, para, ...values, Array.isArray(de) ? de : [de]],
      );
      if (r.rowCount === 0) return false;
      await c.query(`INSERT INTO pedido_historico (pedido_id, status, detalhe) VALUES ($1, $2, $3)`, [id, para, detalhe]);
      await this.mexerNaFila(c, id, fila);
      return true;
    });
  }

  /** Sets fields without a status change (e.g. the tracking code before the despacho, the answer's status). */
  async atualizar(id: number, campos: CamposPedido, fila: { remover?: string[]; adicionar?: { etapa: string; erro?: string }[] } = {}): Promise<void> {
    await emTransacao(this.pool, this.retry, async (c) => {
      const { sets, values } = this.sets(campos, 2);
      if (sets) await c.query(`UPDATE pedidos SET ${sets.slice(2)} WHERE id = $1`, [id, ...values]);
      await this.mexerNaFila(c, id, fila);
    });
  }

  private sets(campos: CamposPedido, first: number): { sets: string; values: unknown[] } {
    let sets = '';
    const values: unknown[] = [];
    for (const [k, col] of Object.entries(COLUNAS) as [keyof typeof COLUNAS, string][]) {
      if (campos[k] === undefined) continue;
      values.push(campos[k]);
      sets += `, ${col} = $${first + values.length - 1}`;
    }
    if (campos.liberarChave) sets += ', idempotency_key = NULL';
    return { sets, values };
  }

  private async mexerNaFila(c: PoolClient, id: number, fila: { remover?: string[]; adicionar?: { etapa: string; erro?: string }[] }): Promise<void> {
    if (fila.remover?.length) await c.query(`DELETE FROM tarefas_pendentes WHERE pedido_id = $1 AND etapa = ANY($2::text[])`, [id, fila.remover]);
    for (const t of fila.adicionar ?? []) {
      await c.query(
        `INSERT INTO tarefas_pendentes (pedido_id, etapa, ultimo_erro) VALUES ($1, $2, $3)
         ON CONFLICT (pedido_id, etapa) DO UPDATE SET ultimo_erro = EXCLUDED.ultimo_erro, proxima_tentativa_em = LEAST(tarefas_pendentes.proxima_tentativa_em, now())`,
        [id, t.etapa, t.erro ?? null],
      );
    }
  }

  // ---- the durable queue

  /**
   * Claims up to `limite` due tasks: FOR UPDATE SKIP LOCKED picks rows no other worker is claiming, and the
   * claim pushes their next attempt `leaseMs` ahead, so a worker that dies mid-task leaves it to another
   * one after the lease instead of losing it. `tentativas` counts the claims.
   */
  async reivindicar(limite: number, leaseMs: number): Promise<TarefaGuardada[]> {
    const r = await this.q(
      `UPDATE tarefas_pendentes t SET tentativas = t.tentativas + 1, proxima_tentativa_em = now() + $2 * interval '1 millisecond'
       FROM (SELECT id FROM tarefas_pendentes WHERE proxima_tentativa_em <= now()
             ORDER BY proxima_tentativa_em LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE t.id = due.id RETURNING t.*`,
      [limite, leaseMs],
    );
    return r.rows.map(tarefaDe);
  }

  /** The task is done: remove it, and enqueue what follows from it. */
  async concluirTarefa(id: string, seguintes: { pedidoId: number; etapa: string; erro?: string }[] = []): Promise<void> {
    await emTransacao(this.pool, this.retry, async (c) => {
      await c.query(`DELETE FROM tarefas_pendentes WHERE id = $1`, [id]);
      for (const s of seguintes) await this.mexerNaFila(c, s.pedidoId, { adicionar: [s] });
    });
  }

  /** The attempt failed: try again after `esperaMs`, remembering why. */
  async adiarTarefa(id: string, esperaMs: number, erro: string): Promise<void> {
    await this.q(
      `UPDATE tarefas_pendentes SET proxima_tentativa_em = now() + $2 * interval '1 millisecond', ultimo_erro = $3 WHERE id = $1`,
      [id, Math.round(esperaMs), erro.slice(0, 1000)],
    );
  }
}
