/** pagamentos' tables: one payment per order (pedido_id UNIQUE) and the log of operations. */
import type { Pool } from 'pg';
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
  constructor(private readonly pool: Pool) {}

  async buscar(pedidoId: number): Promise<Pagamento | undefined> {
    const { rows } = await this.pool.query<PagamentoRow>(`SELECT ${COLUMNS} FROM pagamentos WHERE pedido_id = $1`, [pedidoId]);
    return rows[0] ? toPagamento(rows[0]) : undefined;
  }

  /**
   * Stores the decision unless the order already has a payment (a concurrent duplicate won the race):
   * `criado` says which happened, `pagamento` is the one stored either way.
   */
  async inserirSeNovo(p: NovoPagamento): Promise<{ criado: boolean; pagamento: Pagamento }> {
    const { rows } = await this.pool.query<PagamentoRow>(
      `INSERT INTO pagamentos (pedido_id, valor, metodo, status, motivo) VALUES ($1, $2::numeric, $3, $4, $5)
       ON CONFLICT (pedido_id) DO NOTHING RETURNING ${COLUMNS}`,
      [p.pedido_id, p.valor, p.metodo, p.status, p.motivo],
    );
    if (rows[0]) return { criado: true, pagamento: toPagamento(rows[0]) };
    const existente = await this.buscar(p.pedido_id);
    if (!existente) throw new Error(`payment of order ${p.pedido_id} vanished after a conflicting insert`);
    return { criado: false, pagamento: existente };
  }

  /** aprovado -> estornado, once; undefined when it was not approved (anymore). */
  async estornarSeAprovado(pedidoId: number): Promise<Pagamento | undefined> {
    const { rows } = await this.pool.query<PagamentoRow>(
      `UPDATE pagamentos SET status = 'estornado', estornado_em = now() WHERE pedido_id = $1 AND status = 'aprovado' RETURNING ${COLUMNS}`,
      [pedidoId],
    );
    return rows[0] ? toPagamento(rows[0]) : undefined;
  }

  async registrar(op: Operacao): Promise<void> {
    await this.pool.query('INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe) VALUES ($1, $2, $3, $4)', [
      op.pedido_id,
      op.operacao,
      op.resultado,
      op.detalhe === undefined ? null : JSON.stringify(op.detalhe),
    ]);
  }
}
