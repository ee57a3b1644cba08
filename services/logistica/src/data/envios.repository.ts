/** logistica's tables: one shipment per order (pedido_id UNIQUE) and the log of operations. */
import type { Queryable } from './database';
import type { Envio } from '@brigadeiro/contracts';

interface EnvioRow {
  pedido_id: string;
  codigo_rastreamento: string;
  status: Envio['status'];
  criado_em: Date;
  despachado_em: Date | null;
  entregue_em: Date | null;
}

const COLUMNS = 'pedido_id, codigo_rastreamento, status, criado_em, despachado_em, entregue_em';
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toEnvio(r: EnvioRow): Envio {
  return {
    pedido_id: Number(r.pedido_id),
    codigo_rastreamento: r.codigo_rastreamento,
    status: r.status,
    criado_em: r.criado_em.toISOString(),
    despachado_em: iso(r.despachado_em),
    entregue_em: iso(r.entregue_em),
  };
}

export interface Operacao {
  pedido_id: number | null;
  operacao: string;
  resultado: string;
  detalhe?: unknown;
}

export class EnviosRepository {
  constructor(private readonly db: Queryable) {}

  async buscar(pedidoId: number): Promise<Envio | undefined> {
    const { rows } = await this.db.query<EnvioRow>(`SELECT ${COLUMNS} FROM envios WHERE pedido_id = $1`, [pedidoId]);
    return rows[0] ? toEnvio(rows[0]) : undefined;
  }

  /**
   * The next row id, which is also the tracking code's serial: the code must exist before the row (NOT NULL,
   * with a check digit computed here), so the id is taken first. A loser of a duplicate race leaves a gap.
   */
  async proximoId(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(`SELECT nextval(pg_get_serial_sequence('envios', 'id')) AS n`);
    return Number(rows[0]!.n);
  }

  async inserirSeNovo(e: { id: number; pedido_id: number; nota_fiscal_chave: string; codigo_rastreamento: string }): Promise<{ criado: boolean; envio: Envio }> {
    const { rows } = await this.db.query<EnvioRow>(
      `INSERT INTO envios (id, pedido_id, nota_fiscal_chave, codigo_rastreamento) VALUES ($1, $2, $3, $4)
       ON CONFLICT (pedido_id) DO NOTHING RETURNING ${COLUMNS}`,
      [e.id, e.pedido_id, e.nota_fiscal_chave, e.codigo_rastreamento],
    );
    if (rows[0]) return { criado: true, envio: toEnvio(rows[0]) };
    const existente = await this.buscar(e.pedido_id);
    if (!existente) throw new Error(`shipment of order ${e.pedido_id} vanished after a conflicting insert`);
    return { criado: false, envio: existente };
  }

  /** Moves de -> para (stamping the matching column) only if the shipment is in `de`; undefined otherwise. */
  async transitar(pedidoId: number, de: Envio['status'], para: 'enviado' | 'entregue'): Promise<Envio | undefined> {
    const carimbo = para === 'enviado' ? 'despachado_em' : 'entregue_em';
    const { rows } = await this.db.query<EnvioRow>(
      `UPDATE envios SET status = $3, ${carimbo} = now() WHERE pedido_id = $1 AND status = $2 RETURNING ${COLUMNS}`,
      [pedidoId, de, para],
    );
    return rows[0] ? toEnvio(rows[0]) : undefined;
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
