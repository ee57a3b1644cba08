/**
 * logistica's tables through its Prisma client: one shipment per order (pedido_id UNIQUE) and the log of
 * operations. Every call runs through `db.run`, retried through a failover: each is a read, keyed by
 * pedido_id, guarded by the current status, or a nextval whose id is at worst skipped (a gap).
 */
import { operacaoData, type Operacao } from '@brigadeiro/db';
import type { Envio } from '@brigadeiro/contracts';
import type { Envio as EnvioRow } from '../generated/prisma/client';
import type { Database } from './database';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toEnvio(r: EnvioRow): Envio {
  return {
    pedido_id: Number(r.pedidoId),
    codigo_rastreamento: r.codigoRastreamento,
    status: r.status as Envio['status'],
    criado_em: r.criadoEm.toISOString(),
    despachado_em: iso(r.despachadoEm),
    entregue_em: iso(r.entregueEm),
  };
}

export class EnviosRepository {
  constructor(private readonly db: Database) {}

  async buscar(pedidoId: number): Promise<Envio | undefined> {
    const row = await this.db.run((prisma) => prisma.envio.findUnique({ where: { pedidoId } }));
    return row ? toEnvio(row) : undefined;
  }

  /**
   * The next row id, which is also the tracking code's serial: the code must exist before the row (NOT NULL,
   * with a check digit computed here), so the id is taken first. A loser of a duplicate race leaves a gap.
   */
  async proximoId(): Promise<number> {
    const [row] = await this.db.run((prisma) => prisma.$queryRaw<{ n: bigint }[]>`SELECT nextval(pg_get_serial_sequence('envios', 'id')) AS n`);
    return Number(row!.n);
  }

  /** Stores the shipment unless the order has one already (ON CONFLICT DO NOTHING); returns the stored one either way. */
  async inserirSeNovo(e: { id: number; pedido_id: number; nota_fiscal_chave: string; codigo_rastreamento: string }): Promise<{ criado: boolean; envio: Envio }> {
    const [novo] = await this.db.run((prisma) =>
      prisma.envio.createManyAndReturn({
        data: [{ id: e.id, pedidoId: e.pedido_id, notaFiscalChave: e.nota_fiscal_chave, codigoRastreamento: e.codigo_rastreamento }],
        skipDuplicates: true,
      }),
    );
    if (novo) return { criado: true, envio: toEnvio(novo) };
    const existente = await this.buscar(e.pedido_id);
    if (!existente) throw new Error(`shipment of order ${e.pedido_id} vanished after a conflicting insert`);
    return { criado: false, envio: existente };
  }

  /** Moves de -> para (stamping the matching column) only if the shipment is in `de`; undefined otherwise. */
  async transitar(pedidoId: number, de: Envio['status'], para: 'enviado' | 'entregue'): Promise<Envio | undefined> {
    const agora = new Date();
    const [row] = await this.db.run((prisma) =>
      prisma.envio.updateManyAndReturn({
        where: { pedidoId, status: de },
        data: para === 'enviado' ? { status: para, despachadoEm: agora } : { status: para, entregueEm: agora },
      }),
    );
    return row ? toEnvio(row) : undefined;
  }

  /** Appends to the operation log (retried too: at worst a line is logged twice). */
  async registrar(op: Operacao): Promise<void> {
    await this.db.run((prisma) => prisma.operacao.create({ data: operacaoData(op) }));
  }
}
