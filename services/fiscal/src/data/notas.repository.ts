/**
 * fiscal's tables: one nota fiscal per order (pedido_id UNIQUE), numbers from notas_fiscais_numero_seq, and the
 * log of operations. Issuing a nota (the checkout's hot path) is two raw SQL statements on the pg pool under
 * the Prisma client (`db.query`), each logging what it did in the same statement: the order's nota if it has
 * one (a repeat), else the next number; then the nota built with that number. Prisma needed four calls and two
 * commits (lookup, nextval, insert, log), each costing about three times raw pg's CPU here. Both statements
 * run retried through a failover: the first is a read and a nextval whose number is at worst skipped (a gap),
 * the second is keyed by pedido_id; at worst a line is logged twice.
 */
import type { EmitirNota, NotaFiscal } from '@brigadeiro/contracts';
import type { Database } from './database';

/** A nota row as pg returns it (bigint and numeric as strings). */
interface LinhaNota {
  pedido_id: string;
  numero: string;
  serie: number;
  chave_acesso: string;
  valor: string;
  emitida_em: Date;
}

function notaDe(r: LinhaNota): NotaFiscal {
  return {
    pedido_id: Number(r.pedido_id),
    numero: Number(r.numero),
    serie: r.serie,
    chave_acesso: r.chave_acesso,
    // numeric(12,2) comes from pg as its text, always with two decimals ("99.90").
    valor: r.valor,
    emitida_em: r.emitida_em.toISOString(),
  };
}

const NOTA = 'pedido_id, numero, serie, chave_acesso, valor, emitida_em';

/** The emission's rows (the columns above): the nota, and whether this statement created it. */
type Emissao = LinhaNota & { criada: boolean } & Record<string, unknown>;

/**
 * The 'emitir' log row of the nota in `fonte` (its columns plus `criada`) for the request's $2 valor: emitida
 * or repetida, and diverge_do_original when the stored valor is not the one asked for. One text for both
 * statements.
 */
const REGISTRAR_EMISSAO = (fonte: string) => `
  INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe)
  SELECT pedido_id, 'emitir', CASE WHEN criada THEN 'emitida' ELSE 'repetida' END,
    jsonb_build_object('numero', numero, 'chave_acesso', chave_acesso, 'valor', $2::text)
      || CASE WHEN valor::text <> $2::text THEN '{"diverge_do_original": true}'::jsonb ELSE '{}'::jsonb END
  FROM ${fonte}`;

/**
 * The order's nota with the repeat logged, or (no nota: every column NULL) the next number in `proximo`;
 * CASE takes the number only when it is needed. $1 pedido_id, $2 valor.
 */
const EXISTENTE_OU_NUMERO = `
WITH existente AS (SELECT ${NOTA}, false AS criada FROM notas_fiscais WHERE pedido_id = $1::bigint),
registro AS (${REGISTRAR_EMISSAO('existente')})
SELECT e.*, CASE WHEN e.pedido_id IS NULL THEN nextval('notas_fiscais_numero_seq') END AS proximo
FROM (VALUES (true)) AS uma (linha) LEFT JOIN existente e ON uma.linha`;

/**
 * Stores the nota unless the order has one already, and logs it, in one statement. A nota already there (a
 * concurrent duplicate, or this statement's own first attempt whose answer a failover lost) is returned
 * instead: the no-op DO UPDATE hands back the stored row even when it was committed after this statement
 * began, where DO NOTHING would return nothing and a SELECT would not see it; `xmax = 0` holds only for a row
 * inserted here. $1 pedido_id, $2 valor, $3 numero, $4 serie, $5 chave_acesso, $6 emitida_em.
 */
const EMITIR = `
WITH nova AS (
  INSERT INTO notas_fiscais (pedido_id, numero, serie, chave_acesso, valor, emitida_em)
  VALUES ($1::bigint, $3::bigint, $4::int, $5::text, $2::text::numeric, $6::timestamptz)
  ON CONFLICT (pedido_id) DO UPDATE SET serie = notas_fiscais.serie
  RETURNING ${NOTA}, xmax = 0 AS criada
), registro AS (${REGISTRAR_EMISSAO('nova')})
SELECT * FROM nova`;

export interface NovaNota {
  pedido_id: number;
  numero: number;
  serie: number;
  chave_acesso: string;
  valor: string;
  emitida_em: Date;
}

export class NotasRepository {
  constructor(private readonly db: Database) {}

  /**
   * The nota the order already has (a repeat of `pedido`, logged as such), or the next invoice number to
   * issue one with. A number taken by a request that then loses a duplicate race is skipped (a gap), never reused.
   */
  async existenteOuNumero(pedido: EmitirNota): Promise<{ nota: NotaFiscal } | { numero: number }> {
    const [r] = await this.db.query<Emissao & { proximo: string | null }>(EXISTENTE_OU_NUMERO, [pedido.pedido_id, pedido.valor]);
    if (!r) throw new Error('the nota lookup returned no row');
    if (r.proximo !== null) return { numero: Number(r.proximo) };
    return { nota: notaDe(r) };
  }

  /** Stores the nota unless the order has one already, logging it; returns the stored one either way. */
  async inserirSeNova(n: NovaNota): Promise<{ criada: boolean; nota: NotaFiscal }> {
    const [r] = await this.db.query<Emissao>(EMITIR, [n.pedido_id, n.valor, n.numero, n.serie, n.chave_acesso, n.emitida_em]);
    if (!r) throw new Error(`nota of order ${n.pedido_id} was neither stored nor found`);
    return { criada: r.criada, nota: notaDe(r) };
  }
}
