/**
 * pagamentos' tables through its Prisma client: one payment per order (pedido_id UNIQUE), the estornos that
 * arrived before their authorisation, and the log of operations. Every call runs through `db.run`, retried
 * through a failover: each is a read, keyed by pedido_id, or guarded by the current status.
 */
import { operacaoData, type Operacao } from '@brigadeiro/db';
import type { Pagamento } from '@brigadeiro/contracts';
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

// Serialises the authorisation and the estorno of one order (both take it first, in their transaction).
const travarPedido = (tx: Tx, pedidoId: number) => tx.$executeRaw`SELECT pg_advisory_xact_lock(${pedidoId}::bigint)`;

export class PagamentosRepository {
  constructor(private readonly db: Database) {}

  buscar(pedidoId: number): Promise<Pagamento | undefined> {
    return this.db.run((prisma) => buscarEm(prisma, pedidoId));
  }

  /**
   * Stores the decision unless the order already has a payment (a concurrent duplicate won the race):
   * `criado` says which happened, `pagamento` is the one stored either way. When the order was voided before
   * this authorisation arrived (estornos_antecipados), it is stored declined whatever the decision was.
   * Serialised with `estornar` by an advisory lock on the pedido_id. Retried whole: a repeat finds the row.
   */
  inserirSeNovo(p: NovoPagamento): Promise<{ criado: boolean; pagamento: Pagamento }> {
    return this.db.run((prisma) =>
      prisma.$transaction(async (tx) => {
        await travarPedido(tx, p.pedido_id);
        const antecipado = await tx.estornoAntecipado.findUnique({ where: { pedidoId: p.pedido_id } });
        const [status, motivo] = antecipado ? (['rejeitado', MOTIVO_CANCELADO] as const) : [p.status, p.motivo];
        const [novo] = await tx.pagamento.createManyAndReturn({
          data: [{ pedidoId: p.pedido_id, valor: p.valor, metodo: p.metodo, status, motivo }],
          skipDuplicates: true,
        });
        if (novo) return { criado: true, pagamento: toPagamento(novo) };
        const existente = await buscarEm(tx, p.pedido_id);
        if (!existente) throw new Error(`payment of order ${p.pedido_id} vanished after a conflicting insert`);
        return { criado: false, pagamento: existente };
      }, TX),
    );
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
