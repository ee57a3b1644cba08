/**
 * estoque's tables: one separation per order (pedido_id UNIQUE) and the log of operations. A change of a
 * separation carries its `operacoes` row in the same statement (data-modifying WITH), so a step is one round
 * trip and one commit; the statements go raw to the pg pool under the Prisma client (`db.query`), where a
 * Prisma model call cost several times their CPU on the checkout's path. Every statement runs through the
 * database's failover retry: each is a read, keyed by pedido_id (INSERT ... ON CONFLICT DO NOTHING) or guarded
 * by the current status, so a repeat after a commit whose answer was lost finds the row and says so; at worst
 * a log line is written twice.
 */
import { comOperacao, jsonParam as json, type Operacao } from '@brigadeiro/db';
import type { ItemQuantidade, Separacao } from '@brigadeiro/contracts';
import type { Database } from './database';

/** The log row a statement writes together with its change (same pedido_id). */
export type Registro = Omit<Operacao, 'pedido_id'>;

/** A separacoes row as pg returns it (bigint as a string, jsonb parsed, timestamptz as a Date). */
interface Linha {
  pedido_id: string;
  status: Separacao['status'];
  // jsonb written only from validated ItemQuantidade[] (and CHECKed to be an array).
  itens: ItemQuantidade[];
  criado_em: Date;
  liberado_em: Date | null;
}

const COLUNAS = 'pedido_id, status, itens, criado_em, liberado_em';

function toSeparacao(r: Linha): Separacao {
  return {
    pedido_id: Number(r.pedido_id),
    status: r.status,
    itens: r.itens,
    criado_em: r.criado_em.toISOString(),
    liberado_em: r.liberado_em ? r.liberado_em.toISOString() : null,
  };
}

/** `mudanca` with its `operacoes` row in the same statement ($2 operacao, $3 resultado, $4 detalhe; see comOperacao). */
const COM_REGISTRO = (mudanca: string) => comOperacao(mudanca, COLUNAS);

/** $1 pedido_id, $5 itens, $6 status. DO NOTHING covers a concurrent request that stored it first. */
const INSERIR = COM_REGISTRO(`
  INSERT INTO separacoes (pedido_id, itens, status, liberado_em)
  VALUES ($1, $5::jsonb, $6::text, CASE WHEN $6::text = 'liberado' THEN now() END)
  ON CONFLICT DO NOTHING`);

const LIBERAR = COM_REGISTRO(`UPDATE separacoes SET status = 'liberado', liberado_em = now() WHERE pedido_id = $1 AND status = 'separado'`);

/**
 * The separation, if any, and then a `repetido_<status>` row in the log ($2 operacao, $3 detalhe) when there is
 * one whose status is $4 (NULL: any). A read while there is none: no commit to wait for.
 */
const REPETIDA = `
WITH atual AS (SELECT ${COLUNAS} FROM separacoes WHERE pedido_id = $1),
registro AS (
  INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe)
  SELECT pedido_id, $2::text, 'repetido_' || status, $3::jsonb FROM atual WHERE $4::text IS NULL OR status = $4::text
)
SELECT ${COLUNAS} FROM atual`;

export class SeparacoesRepository {
  constructor(private readonly db: Database) {}

  private async uma(text: string, values: unknown[]): Promise<Separacao | undefined> {
    const [row] = await this.db.query<Linha & Record<string, unknown>>(text, values);
    return row ? toSeparacao(row) : undefined;
  }

  async buscar(pedidoId: number): Promise<Separacao | undefined> {
    return this.uma(`SELECT ${COLUNAS} FROM separacoes WHERE pedido_id = $1`, [pedidoId]);
  }

  /**
   * The order's separation, if it has one; when it has (and its status is `opts.se`, if given), this call is
   * logged as `<operacao>`/`repetido_<status>` with `opts.detalhe`, in the same statement.
   */
  async repetida(pedidoId: number, operacao: string, opts: { se?: Separacao['status']; detalhe?: unknown } = {}): Promise<Separacao | undefined> {
    return this.uma(REPETIDA, [pedidoId, operacao, json(opts.detalhe), opts.se ?? null]);
  }

  /**
   * Stores the separation and logs `registro`, in one statement, unless the order has one already
   * (ON CONFLICT DO NOTHING): then undefined, and nothing is logged. A row a concurrent request committed
   * meanwhile is invisible to this statement's snapshot, so the caller reads it with a new statement.
   */
  async inserirSeNova(pedidoId: number, itens: ItemQuantidade[], status: Separacao['status'], registro: Registro): Promise<Separacao | undefined> {
    return this.uma(INSERIR, [pedidoId, registro.operacao, registro.resultado, json(registro.detalhe), JSON.stringify(itens), status]);
  }

  /** separado -> liberado, once, logging `registro` in the same statement; undefined (nothing logged) when it was not separado. */
  async liberarSeSeparada(pedidoId: number, registro: Registro): Promise<Separacao | undefined> {
    return this.uma(LIBERAR, [pedidoId, registro.operacao, registro.resultado, json(registro.detalhe)]);
  }

  /** Appends to the operation log. */
  async registrar(op: Operacao): Promise<void> {
    await this.db.query(`INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe) VALUES ($1, $2, $3, $4::jsonb)`, [
      op.pedido_id,
      op.operacao,
      op.resultado,
      json(op.detalhe),
    ]);
  }
}
