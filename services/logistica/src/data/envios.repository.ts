/**
 * logistica's tables: one shipment per order (pedido_id UNIQUE) and the log of operations. A change of a
 * shipment carries its `operacoes` row in the same statement (data-modifying WITH), so a step is one round
 * trip and one commit; the statements go raw to the pg pool under the Prisma client (`db.query`), where a
 * Prisma model call cost several times their CPU on the checkout's path. Every statement runs through the
 * database's failover retry: each is a read, keyed by pedido_id (INSERT ... ON CONFLICT DO NOTHING), guarded
 * by the current status, or a nextval whose id is at worst skipped (a gap); a repeat after a commit whose
 * answer was lost finds the row and says so, and at worst a log line is written twice.
 */
import { comOperacao, jsonParam as json, type Operacao } from '@brigadeiro/db';
import type { Envio } from '@brigadeiro/contracts';
import type { Database } from './database';

/** The log row a statement writes together with its change (same pedido_id). */
export type Registro = Omit<Operacao, 'pedido_id'>;

/** An envios row as pg returns it (bigint as a string, timestamptz as a Date). */
interface Linha {
  pedido_id: string;
  codigo_rastreamento: string;
  status: Envio['status'];
  criado_em: Date;
  despachado_em: Date | null;
  entregue_em: Date | null;
}

const COLUNAS = 'pedido_id, codigo_rastreamento, status, criado_em, despachado_em, entregue_em';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toEnvio(r: Linha): Envio {
  return {
    pedido_id: Number(r.pedido_id),
    codigo_rastreamento: r.codigo_rastreamento,
    status: r.status,
    criado_em: r.criado_em.toISOString(),
    despachado_em: iso(r.despachado_em),
    entregue_em: iso(r.entregue_em),
  };
}

/** `mudanca` with its `operacoes` row in the same statement ($2 operacao, $3 resultado, $4 detalhe; see comOperacao). */
const COM_REGISTRO = (mudanca: string) => comOperacao(mudanca, COLUNAS);

/** $1 pedido_id, $5 id, $6 NF-e key, $7 tracking code. DO NOTHING covers a concurrent request that stored it first. */
const INSERIR = COM_REGISTRO(`
  INSERT INTO envios (id, pedido_id, nota_fiscal_chave, codigo_rastreamento) VALUES ($5, $1, $6, $7)
  ON CONFLICT DO NOTHING`);

/**
 * INSERIR for a shipment created and dispatched in one call: born enviado (despachado_em now()) and logged as
 * both steps, in order (criar, then despachar), as the two separate calls log them. $1 pedido_id, $2-$4 the
 * creation's log row, $5 id, $6 NF-e key, $7 tracking code, $8/$9 the despacho's log row (no detalhe).
 */
const INSERIR_DESPACHADO = `
WITH mudou AS (
  INSERT INTO envios (id, pedido_id, nota_fiscal_chave, codigo_rastreamento, status, despachado_em) VALUES ($5, $1, $6, $7, 'enviado', now())
  ON CONFLICT DO NOTHING RETURNING ${COLUNAS}
), registro AS (
  INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe)
  SELECT mudou.pedido_id, o.operacao, o.resultado, o.detalhe
  FROM mudou, (VALUES (1, $2::text, $3::text, $4::jsonb), (2, $8::text, $9::text, NULL::jsonb)) AS o (n, operacao, resultado, detalhe)
  ORDER BY o.n
)
SELECT ${COLUNAS} FROM mudou`;

/** $1 pedido_id, $5 from, $6 to (stamping the matching column). */
const TRANSITAR = COM_REGISTRO(`
  UPDATE envios SET status = $6::text,
    despachado_em = CASE WHEN $6::text = 'enviado' THEN now() ELSE despachado_em END,
    entregue_em = CASE WHEN $6::text = 'entregue' THEN now() ELSE entregue_em END
  WHERE pedido_id = $1 AND status = $5::text`);

/**
 * The shipment, logged as a repeated creation (criar/repetido with its tracking code); or, when the order has
 * none, the next row id (`proximo_id`), which is also the tracking code's serial: the code must exist before
 * the row (NOT NULL, with a check digit computed in TypeScript), so the id is taken first.
 */
const REPETIDO_OU_PROXIMO_ID = `
WITH atual AS (SELECT ${COLUNAS} FROM envios WHERE pedido_id = $1),
registro AS (
  INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe)
  SELECT pedido_id, 'criar', 'repetido', jsonb_build_object('codigo_rastreamento', codigo_rastreamento::text) FROM atual
)
SELECT atual.*, CASE WHEN atual.pedido_id IS NULL THEN nextval(pg_get_serial_sequence('envios', 'id')) END AS proximo_id
FROM (VALUES (true)) AS um (x) LEFT JOIN atual ON true`;

export class EnviosRepository {
  constructor(private readonly db: Database) {}

  private async um(text: string, values: unknown[]): Promise<Envio | undefined> {
    const [row] = await this.db.query<Linha & Record<string, unknown>>(text, values);
    return row ? toEnvio(row) : undefined;
  }

  async buscar(pedidoId: number): Promise<Envio | undefined> {
    return this.um(`SELECT ${COLUNAS} FROM envios WHERE pedido_id = $1`, [pedidoId]);
  }

  /**
   * The order's shipment, with this creation logged as a repeat in the same statement; or, when it has none,
   * the id to create it under (a loser of a duplicate race leaves a gap in the ids).
   */
  async repetidoOuProximoId(pedidoId: number): Promise<{ envio: Envio } | { id: number }> {
    const [row] = await this.db.query<(Linha | { [K in keyof Linha]: null }) & { proximo_id: string | null }>(REPETIDO_OU_PROXIMO_ID, [pedidoId]);
    if (!row) throw new Error('the shipment lookup returned no row');
    return row.pedido_id === null ? { id: Number(row.proximo_id) } : { envio: toEnvio(row) };
  }

  /**
   * Stores the shipment and logs `registro`, in one statement, unless the order has one already
   * (ON CONFLICT DO NOTHING): then undefined, and nothing is logged. A row a concurrent request committed
   * meanwhile is invisible to this statement's snapshot, so the caller reads it with a new statement.
   */
  async inserirSeNovo(e: { id: number; pedido_id: number; nota_fiscal_chave: string; codigo_rastreamento: string }, registro: Registro): Promise<Envio | undefined> {
    return this.um(INSERIR, [e.pedido_id, registro.operacao, registro.resultado, json(registro.detalhe), e.id, e.nota_fiscal_chave, e.codigo_rastreamento]);
  }

  /** inserirSeNovo for a shipment dispatched at once (status enviado), logging `registro` then `despacho`; undefined as there. */
  async inserirDespachadoSeNovo(
    e: { id: number; pedido_id: number; nota_fiscal_chave: string; codigo_rastreamento: string },
    registro: Registro,
    despacho: Omit<Registro, 'detalhe'>,
  ): Promise<Envio | undefined> {
    return this.um(INSERIR_DESPACHADO, [
      e.pedido_id,
      registro.operacao,
      registro.resultado,
      json(registro.detalhe),
      e.id,
      e.nota_fiscal_chave,
      e.codigo_rastreamento,
      despacho.operacao,
      despacho.resultado,
    ]);
  }

  /** Moves de -> para (stamping the matching column) and logs `registro`, only if the shipment is in `de`; undefined (nothing logged) otherwise. */
  async transitar(pedidoId: number, de: Envio['status'], para: 'enviado' | 'entregue', registro: Registro): Promise<Envio | undefined> {
    return this.um(TRANSITAR, [pedidoId, registro.operacao, registro.resultado, json(registro.detalhe), de, para]);
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
