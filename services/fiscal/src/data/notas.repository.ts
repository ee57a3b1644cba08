/**
 * fiscal's tables through its Prisma client: one nota fiscal per order (pedido_id UNIQUE), numbers from
 * notas_fiscais_numero_seq, and the log of operations. Every call runs through `db.run`, retried through a
 * failover: each is a read, keyed by pedido_id, or a nextval whose number is at worst skipped (a gap).
 */
import { operacaoData, type Operacao } from '@brigadeiro/db';
import type { NotaFiscal } from '@brigadeiro/contracts';
import type { NotaFiscal as NotaRow } from '../generated/prisma/client';
import type { Database } from './database';

function toNota(r: NotaRow): NotaFiscal {
  return {
    pedido_id: Number(r.pedidoId),
    numero: Number(r.numero),
    serie: r.serie,
    chave_acesso: r.chaveAcesso,
    valor: r.valor.toFixed(2),
    emitida_em: r.emitidaEm.toISOString(),
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

export class NotasRepository {
  constructor(private readonly db: Database) {}

  async buscar(pedidoId: number): Promise<NotaFiscal | undefined> {
    const row = await this.db.run((prisma) => prisma.notaFiscal.findUnique({ where: { pedidoId } }));
    return row ? toNota(row) : undefined;
  }

  /** The next invoice number. A number taken by a request that then loses a duplicate race is skipped (a gap), never reused. */
  async proximoNumero(): Promise<number> {
    // nextval has no Prisma equivalent (the column default would only apply on insert, and the key needs the number first).
    const [row] = await this.db.run((prisma) => prisma.$queryRaw<{ n: bigint }[]>`SELECT nextval('notas_fiscais_numero_seq') AS n`);
    return Number(row!.n);
  }

  /** Stores the nota unless the order has one already (ON CONFLICT DO NOTHING); returns the stored one either way. */
  async inserirSeNova(n: NovaNota): Promise<{ criada: boolean; nota: NotaFiscal }> {
    const [nova] = await this.db.run((prisma) =>
      prisma.notaFiscal.createManyAndReturn({
        data: [{ pedidoId: n.pedido_id, numero: n.numero, serie: n.serie, chaveAcesso: n.chave_acesso, valor: n.valor, emitidaEm: n.emitida_em }],
        skipDuplicates: true,
      }),
    );
    if (nova) return { criada: true, nota: toNota(nova) };
    const existente = await this.buscar(n.pedido_id);
    if (!existente) throw new Error(`nota of order ${n.pedido_id} vanished after a conflicting insert`);
    return { criada: false, nota: existente };
  }

  /** Appends to the operation log (retried too: at worst a line is logged twice). */
  async registrar(op: Operacao): Promise<void> {
    await this.db.run((prisma) => prisma.operacao.create({ data: operacaoData(op) }));
  }
}
