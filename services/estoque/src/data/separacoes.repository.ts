/** estoque's tables: one separation per order (pedido_id UNIQUE) and the log of operations. */
import type { Queryable } from './database';
import type { ItemQuantidade, Separacao } from '@brigadeiro/contracts';

interface SeparacaoRow {
  pedido_id: string;
  status: Separacao['status'];
  itens: ItemQuantidade[];
  criado_em: Date;
  liberado_em: Date | null;
}

const COLUMNS = 'pedido_id, status, itens, criado_em, liberado_em';

function toSeparacao(r: SeparacaoRow): Separacao {
  return {
    pedido_id: Number(r.pedido_id),
    status: r.status,
    itens: r.itens,
    criado_em: r.criado_em.toISOString(),
    liberado_em: r.liberado_em ? r.liberado_em.toISOString() : null,
  };
}

export interface Operacao {
  pedido_id: number | null;
  operacao: string;
  resultado: string;
  detalhe?: unknown;
}

export class SeparacoesRepository {
  constructor(private readonly db: Queryable) {}

  async buscar(pedidoId: number): Promise<Separacao | undefined> {
    const { rows } = await this.db.query<SeparacaoRow>(`SELECT ${COLUMNS} FROM separacoes WHERE pedido_id = $1`, [pedidoId]);
    return rows[0] ? toSeparacao(rows[0]) : undefined;
  }

  /** Stores the separation unless the order has one already; returns the stored one either way. */
  async inserirSeNova(pedidoId: number, itens: ItemQuantidade[], status: Separacao['status'] = 'separado'): Promise<{ criada: boolean; separacao: Separacao }> {
    const { rows } = await this.db.query<SeparacaoRow>(
      `INSERT INTO separacoes (pedido_id, itens, status, liberado_em) VALUES ($1, $2::jsonb, $3, CASE WHEN $3 = 'liberado' THEN now() END)
       ON CONFLICT (pedido_id) DO NOTHING RETURNING ${COLUMNS}`,
      [pedidoId, JSON.stringify(itens), status],
    );
    if (rows[0]) return { criada: true, separacao: toSeparacao(rows[0]) };
    const existente = await this.buscar(pedidoId);
    if (!existente) throw new Error(`separation of order ${pedidoId} vanished after a conflicting insert`);
    return { criada: false, separacao: existente };
  }

  /** separado -> liberado, once; undefined when it was not separado. */
  async liberarSeSeparada(pedidoId: number): Promise<Separacao | undefined> {
    const { rows } = await this.db.query<SeparacaoRow>(
      `UPDATE separacoes SET status = 'liberado', liberado_em = now() WHERE pedido_id = $1 AND status = 'separado' RETURNING ${COLUMNS}`,
      [pedidoId],
    );
    return rows[0] ? toSeparacao(rows[0]) : undefined;
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
