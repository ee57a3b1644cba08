/** fiscal's tables: one nota fiscal per order (pedido_id UNIQUE), numbers from notas_fiscais_numero_seq, and the log of operations. */
import type { Queryable } from './database';
import type { NotaFiscal } from '@brigadeiro/contracts';

interface NotaRow {
  pedido_id: string;
  numero: string;
  serie: number;
  chave_acesso: string;
  valor: string;
  emitida_em: Date;
}

const COLUMNS = 'pedido_id, numero, serie, chave_acesso, valor::text AS valor, emitida_em';

function toNota(r: NotaRow): NotaFiscal {
  return {
    pedido_id: Number(r.pedido_id),
    numero: Number(r.numero),
    serie: r.serie,
    chave_acesso: r.chave_acesso,
    valor: r.valor,
    emitida_em: r.emitida_em.toISOString(),
  };
}

export interface NovaNota {
  pedido_id: number;
  numero: number;
  serie: number;
  chave_acesso: string;
  valor: string;
  emitida_em: Date;
}

export interface Operacao {
  pedido_id: number | null;
  operacao: string;
  resultado: string;
  detalhe?: unknown;
}

export class NotasRepository {
  constructor(private readonly db: Queryable) {}

  async buscar(pedidoId: number): Promise<NotaFiscal | undefined> {
    const { rows } = await this.db.query<NotaRow>(`SELECT ${COLUMNS} FROM notas_fiscais WHERE pedido_id = $1`, [pedidoId]);
    return rows[0] ? toNota(rows[0]) : undefined;
  }

  /** The next invoice number. A number taken by a request that then loses a duplicate race is skipped (a gap), never reused. */
  async proximoNumero(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(`SELECT nextval('notas_fiscais_numero_seq') AS n`);
    return Number(rows[0]!.n);
  }

  async inserirSeNova(n: NovaNota): Promise<{ criada: boolean; nota: NotaFiscal }> {
    const { rows } = await this.db.query<NotaRow>(
      `INSERT INTO notas_fiscais (pedido_id, numero, serie, chave_acesso, valor, emitida_em) VALUES ($1, $2, $3, $4, $5::numeric, $6)
       ON CONFLICT (pedido_id) DO NOTHING RETURNING ${COLUMNS}`,
      [n.pedido_id, n.numero, n.serie, n.chave_acesso, n.valor, n.emitida_em],
    );
    if (rows[0]) return { criada: true, nota: toNota(rows[0]) };
    const existente = await this.buscar(n.pedido_id);
    if (!existente) throw new Error(`nota of order ${n.pedido_id} vanished after a conflicting insert`);
    return { criada: false, nota: existente };
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
