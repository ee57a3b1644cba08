/**
 * estoque's tables through its Prisma client: one separation per order (pedido_id UNIQUE) and the log of
 * operations. Every call runs through `db.run`, retried through a failover: each is a read, keyed by
 * pedido_id, or guarded by the current status.
 */
import { operacaoData, type Operacao } from '@brigadeiro/db';
import type { ItemQuantidade, Separacao } from '@brigadeiro/contracts';
import type { Separacao as SeparacaoRow } from '../generated/prisma/client';
import type { Database } from './database';

function toSeparacao(r: SeparacaoRow): Separacao {
  return {
    pedido_id: Number(r.pedidoId),
    status: r.status as Separacao['status'],
    // jsonb written only by inserirSeNova, from validated ItemQuantidade[] (and CHECKed to be an array).
    itens: r.itens as ItemQuantidade[],
    criado_em: r.criadoEm.toISOString(),
    liberado_em: r.liberadoEm ? r.liberadoEm.toISOString() : null,
  };
}

export class SeparacoesRepository {
  constructor(private readonly db: Database) {}

  async buscar(pedidoId: number): Promise<Separacao | undefined> {
    const row = await this.db.run((prisma) => prisma.separacao.findUnique({ where: { pedidoId } }));
    return row ? toSeparacao(row) : undefined;
  }

  /** Stores the separation unless the order has one already (ON CONFLICT DO NOTHING); returns the stored one either way. */
  async inserirSeNova(pedidoId: number, itens: ItemQuantidade[], status: Separacao['status'] = 'separado'): Promise<{ criada: boolean; separacao: Separacao }> {
    const [nova] = await this.db.run((prisma) =>
      prisma.separacao.createManyAndReturn({
        data: [{ pedidoId, itens, status, liberadoEm: status === 'liberado' ? new Date() : null }],
        skipDuplicates: true,
      }),
    );
    if (nova) return { criada: true, separacao: toSeparacao(nova) };
    const existente = await this.buscar(pedidoId);
    if (!existente) throw new Error(`separation of order ${pedidoId} vanished after a conflicting insert`);
    return { criada: false, separacao: existente };
  }

  /** separado -> liberado, once; undefined when it was not separado. */
  async liberarSeSeparada(pedidoId: number): Promise<Separacao | undefined> {
    const [row] = await this.db.run((prisma) =>
      prisma.separacao.updateManyAndReturn({ where: { pedidoId, status: 'separado' }, data: { status: 'liberado', liberadoEm: new Date() } }),
    );
    return row ? toSeparacao(row) : undefined;
  }

  /** Appends to the operation log (retried too: at worst a line is logged twice). */
  async registrar(op: Operacao): Promise<void> {
    await this.db.run((prisma) => prisma.operacao.create({ data: operacaoData(op) }));
  }
}
