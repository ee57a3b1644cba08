/**
 * pagamentos' tables: one payment per order (pedido_id UNIQUE), the estornos that arrived before their
 * authorisation, and the log of operations. Every call runs retried through a failover: each is a read, keyed
 * by pedido_id, or guarded by the current status.
 *
 * The authorisation (the checkout's hot path) is raw SQL on the pg pool under the Prisma client (`db.query`):
 * a lookup that logs a repeat in the same statement, then, for a new order, ONE statement that takes the
 * order's lock, stores the decision and logs it: one round trip and one commit, where Prisma needed a
 * transaction of four statements and a second commit for the log, each Prisma call costing about three times
 * raw pg's CPU here. The estorno (a compensation, off the hot path) stays on Prisma.
 */
import { operacaoData, type Operacao } from '@brigadeiro/db';
import type { AutorizarPagamento, Pagamento } from '@brigadeiro/contracts';
import type { Pagamento as PagamentoRow } from '../generated/prisma/client';
import type { Database, Prisma } from './database';

/** Why an authorisation that lands after its order's estorno is declined. */
export const MOTIVO_CANCELADO = 'pedido_cancelado: the order was voided before this authorisation arrived';

// The advisory lock makes duplicates wait for each other: give a burst of them time rather than P2028.
const TX = { maxWait: 10_000, timeout: 15_000 } as const;

function toPagamento(r: PagamentoRow): Pagamento {
  return {
    id: Number(r.id),
    pedido_id: Number(r.pedidoId),
    valor: r.valor.toFixed(2),
    metodo: r.metodo as Pagamento['metodo'],
    status: r.status as Pagamento['status'],
    motivo: r.motivo,
    processado_em: r.processadoEm.toISOString(),
    estornado_em: r.estornadoEm ? r.estornadoEm.toISOString() : null,
  };
}

/** A payment row as pg returns it (bigint and numeric as strings). */
interface LinhaPagamento {
  id: string;
  pedido_id: string;
  valor: string;
  metodo: string;
  status: string;
  motivo: string | null;
  processado_em: Date;
  estornado_em: Date | null;
}

function pagamentoDe(r: LinhaPagamento): Pagamento {
  return {
    id: Number(r.id),
    pedido_id: Number(r.pedido_id),
    // numeric(12,2) comes from pg as its text, always with two decimals ("42.50").
    valor: r.valor,
    metodo: r.metodo as Pagamento['metodo'],
    status: r.status as Pagamento['status'],
    motivo: r.motivo,
    processado_em: r.processado_em.toISOString(),
    estornado_em: r.estornado_em ? r.estornado_em.toISOString() : null,
  };
}

const PAGAMENTO = 'id, pedido_id, valor, metodo, status, motivo, processado_em, estornado_em';

/** The authorisation's rows (the columns above): the payment, and whether this statement created it. */
type Autorizacao = LinhaPagamento & { criado: boolean } & Record<string, unknown>;

/**
 * The 'autorizar' log row of the payment in `fonte` (its columns plus `criado`), for the request's $2 valor
 * and $3 metodo: resultado is the status, or repetido_<status> for a payment that was already there (whose
 * valor or metodo may differ from this request's: diverge_do_original). One text for both statements.
 */
const REGISTRAR_AUTORIZACAO = (fonte: string) => `
  INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe)
  SELECT pedido_id, 'autorizar', CASE WHEN criado THEN status ELSE 'repetido_' || status END,
    jsonb_build_object('valor', $2::text, 'metodo', $3::text, 'motivo', motivo)
      || CASE WHEN NOT criado AND (valor::text <> $2::text OR metodo <> $3::text) THEN '{"diverge_do_original": true}'::jsonb ELSE '{}'::jsonb END
  FROM ${fonte}`;

/** The order's payment if it has one, with the repeat logged. $1 pedido_id, $2 valor, $3 metodo. */
const REPETIDO = `
WITH existente AS (SELECT ${PAGAMENTO}, false AS criado FROM pagamentos WHERE pedido_id = $1::bigint),
registro AS (${REGISTRAR_AUTORIZACAO('existente')})
SELECT * FROM existente`;

/**
 * Stores the decision ($4 status, $5 motivo) and logs it, in one statement. estorno_antecipado_travado
 * (migrations/003) first takes the order's advisory lock, which the estorno takes too, and then says whether
 * the estorno came first: the payment is then stored declined ($6). A payment already there (a concurrent
 * duplicate, or this statement's own first attempt whose answer a failover lost) is returned instead: the
 * no-op DO UPDATE hands back the stored row even when it was committed after this statement began, where
 * DO NOTHING would return nothing and a SELECT would not see it; `xmax = 0` holds only for a row inserted here.
 */
const AUTORIZAR = `
WITH decisao AS (
  SELECT CASE WHEN antecipado THEN 'rejeitado' ELSE $4::text END AS status,
         CASE WHEN antecipado THEN $6::text ELSE $5::text END AS motivo
  FROM (SELECT estorno_antecipado_travado($1::bigint) AS antecipado) AS travado
), novo AS (
  INSERT INTO pagamentos (pedido_id, valor, metodo, status, motivo)
  SELECT $1::bigint, $2::text::numeric, $3::text, status, motivo FROM decisao
  ON CONFLICT (pedido_id) DO UPDATE SET status = pagamentos.status
  RETURNING ${PAGAMENTO}, xmax = 0 AS criado
), registro AS (${REGISTRAR_AUTORIZACAO('novo')})
SELECT * FROM novo`;

export interface NovoPagamento {
  pedido_id: number;
  valor: string;
  metodo: Pagamento['metodo'];
  status: 'aprovado' | 'rejeitado';
  motivo: string | null;
}

type Tx = Prisma.TransactionClient;

async function buscarEm(tx: Tx, pedidoId: number): Promise<Pagamento | undefined> {
  const row = await tx.pagamento.findUnique({ where: { pedidoId } });
  return row ? toPagamento(row) : undefined;
}

// Serialises the estorno with the authorisation of the same order (which takes it in estorno_antecipado_travado).
const travarPedido = (tx: Tx, pedidoId: number) => tx.$executeRaw`SELECT pg_advisory_xact_lock(${pedidoId}::bigint)`;

export class PagamentosRepository {
  constructor(private readonly db: Database) {}

  /**
   * The payment the order already has, undefined when none; a found one is a repeat of `pedido`, logged as
   * such in the same statement. Retried: at worst a repeat is logged twice.
   */
  async repetido(pedido: Pick<AutorizarPagamento, 'pedido_id' | 'valor' | 'metodo'>): Promise<Pagamento | undefined> {
    const [r] = await this.db.query<Autorizacao>(REPETIDO, [pedido.pedido_id, pedido.valor, pedido.metodo]);
    return r ? pagamentoDe(r) : undefined;
  }

  /**
   * Stores the decision unless the order already has a payment (a concurrent duplicate won the race):
   * `criado` says which happened, `pagamento` is the one stored either way, and the log says the same. When
   * the order was voided before this authorisation arrived (estornos_antecipados), it is stored declined
   * whatever the decision was. Serialised with `estornar` by an advisory lock on the pedido_id. Retried: a
   * repeat finds the row (and is logged as a repeat).
   */
  async inserirSeNovo(p: NovoPagamento): Promise<{ criado: boolean; pagamento: Pagamento }> {
    const [r] = await this.db.query<Autorizacao>(AUTORIZAR, [p.pedido_id, p.valor, p.metodo, p.status, p.motivo, MOTIVO_CANCELADO]);
    if (!r) throw new Error(`payment of order ${p.pedido_id} was neither stored nor found`);
    return { criado: r.criado, pagamento: pagamentoDe(r) };
  }

  /**
   * aprovado -> estornado, once. Returns what the order has afterwards: `estornado` true when this call voided it,
   * `pagamento` undefined when it has none, in which case the estorno is remembered so that an authorisation
   * still on its way is declined when it lands.
   */
  estornar(pedidoId: number): Promise<{ estornado: boolean; pagamento: Pagamento | undefined }> {
    return this.db.run((prisma) =>
      prisma.$transaction(async (tx) => {
        await travarPedido(tx, pedidoId);
        const [estornado] = await tx.pagamento.updateManyAndReturn({
          where: { pedidoId, status: 'aprovado' },
          data: { status: 'estornado', estornadoEm: new Date() },
        });
        if (estornado) return { estornado: true, pagamento: toPagamento(estornado) };
        const pagamento = await buscarEm(tx, pedidoId);
        if (!pagamento) await tx.estornoAntecipado.createMany({ data: [{ pedidoId }], skipDuplicates: true });
        return { estornado: false, pagamento };
      }, TX),
    );
  }

  /** Appends to the operation log (retried too: at worst a line is logged twice). */
  async registrar(op: Operacao): Promise<void> {
    await this.db.run((prisma) => prisma.operacao.create({ data: operacaoData(op) }));
  }
}
