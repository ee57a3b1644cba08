/** pagamentos' tables: one payment per order (pedido_id UNIQUE) and the log of operations. */
import type { Database, Queryable } from './database';
import type { Pagamento } from '@brigadeiro/contracts';

interface PagamentoRow {
  id: string;
  pedido_id: string;
  valor: string;
  metodo: Pagamento['metodo'];
  status: Pagamento['status'];
  motivo: string | null;
  processado_em: Date;
  estornado_em: Date | null;
}

/** Why an authorisation that lands after its order's estorno is declined. */
export const MOTIVO_CANCELADO = 'pedido_cancelado: the order was voided before this authorisation arrived';

const COLUMNS = 'id, pedido_id, valor::text AS valor, metodo, status, motivo, processado_em, estornado_em';

function toPagamento(r: PagamentoRow): Pagamento {
  return {
    id: Number(r.id),
    pedido_id: Number(r.pedido_id),
    valor: r.valor,
    metodo: r.metodo,
    status: r.status,
    motivo: r.motivo,
    processado_em: r.processado_em.toISOString(),
    estornado_em: r.estornado_em ? r.estornado_em.toISOString() : null,
  };
}

export interface NovoPagamento {
  pedido_id: number;
  valor: string;
  metodo: Pagamento['metodo'];
  status: 'aprovado' | 'rejeitado';
  motivo: string | null;
}

export interface Operacao {
  pedido_id: number | null;
  operacao: string;
  resultado: string;
  detalhe?: unknown;
}

export class PagamentosRepository {
  constructor(private readonly db: Database) {}

  async buscar(pedidoId: number, q: Queryable = this.db): Promise<Pagamento | undefined> {
    const { rows } = await q.query<PagamentoRow>(`SELECT ${COLUMNS} FROM pagamentos WHERE pedido_id = $1`, [pedidoId]);
    return rows[0] ? toPagamento(rows[0]) : undefined;
  }

  /**
   * Stores the decision unless the order already has a payment (a concurrent duplicate won the race):
   * `criado` says which happened, `pagamento` is the one stored either way. When the order was voided before
   * this authorisation arrived (estornos_antecipados), it is stored declined whatever the decision was.
   * Serialised with `estornar` by an advisory lock on the pedido_id.
   */
  inserirSeNovo(p: NovoPagamento): Promise<{ criado: boolean; pagamento: Pagamento }> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [p.pedido_id]);
      const antecipado = await tx.query('SELECT 1 FROM estornos_antecipados WHERE pedido_id = $1', [p.pedido_id]);
      const [status, motivo] = antecipado.rowCount ? (['rejeitado', MOTIVO_CANCELADO] as const) : [p.status, p.motivo];
      const { rows } = await tx.query<PagamentoRow>(
        `INSERT INTO pagamentos (pedido_id, valor, metodo, status, motivo) VALUES ($1, $2::numeric, $3, $4, $5)
         ON CONFLICT (pedido_id) DO NOTHING RETURNING ${COLUMNS}`,
        [p.pedido_id, p.valor, p.metodo, status, motivo],
      );
      if (rows[0]) return { criado: true, pagamento: toPagamento(rows[0]) };
      const existente = await this.buscar(p.pedido_id, tx);
      if (!existente) throw new Error(`payment of order ${p.pedido_id} vanished after a conflicting insert`);
      return { criado: false, pagamento: existente };
    });
  }

  /**
   * aprovado -> estornado, once. Returns what the order has afterwards: `estornado` true when this call voided it,
   * `pagamento` undefined when it has none, in which case the estorno is remembered so that an authorisation
   * still on its way is declined when it lands.
   */
  estornar(pedidoId: number): Promise<{ estornado: boolean; pagamento: Pagamento | undefined }> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [pedidoId]);
      const { rows } = await tx.query<PagamentoRow>(
        `UPDATE pagamentos SET status = 'estornado', estornado_em = now() WHERE pedido_id = $1 AND status = 'aprovado' RETURNING ${COLUMNS}`,
        [pedidoId],
      );
      if (rows[0]) return { estornado: true, pagamento: toPagamento(rows[0]) };
      const pagamento = await this.buscar(pedidoId, tx);
      if (!pagamento) await tx.query('INSERT INTO estornos_antecipados (pedido_id) VALUES ($1) ON CONFLICT DO NOTHING', [pedidoId]);
      return { estornado: false, pagamento };
    });
  }

  async registrar(op: Operacao): Promise<void> {
    await this.db.query('INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe) VALUES ($1, $2, $3, $4)', [
      op.pedido_id,
      op.operacao,
      op.resultado,
      op.detalhe === undefined ? null : JSON.stringify(op.detalhe),
    ]);
  }
}
