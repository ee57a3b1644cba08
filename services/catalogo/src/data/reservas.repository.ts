/**
 * Reservations, on the read-write client, each in ONE transaction:
 * - reservar: insert the reservation row (ON CONFLICT DO NOTHING: a repeat returns the existing one and
 *   touches nothing), then one conditional UPDATE per product (estoque >= q) in produto_id order, so two
 *   reservations over the same products always lock them in the same order and cannot deadlock. Any
 *   shortfall (or unknown product) throws, which rolls back the row and every decrement made so far.
 * - liberar: the status transition reservada -> liberada is the guard (UPDATE ... WHERE status =
 *   'reservada'), so the stock is added back exactly once however often it is called. Releasing a referencia
 *   never reserved leaves a tombstone (status liberada, no items), so a reservation arriving late under it
 *   (its caller already gave up and compensated) is answered "liberada" and takes no stock.
 */
import type { ItemQuantidade } from '@brigadeiro/contracts';
import { EstoqueInsuficienteError } from '../domain/erros';
import { ProdutoIndisponivelError, type ReservaCompleta, type ReservasRepository } from '../domain/reservas';
import { RETRY_IDEMPOTENTE, noBanco, type CatalogoDb } from './clientes';

interface Linha {
  referencia: string;
  status: 'reservada' | 'liberada';
  itens: ItemQuantidade[];
  criado_em: Date;
  liberado_em: Date | null;
}

function deLinha(l: Linha): ReservaCompleta {
  return {
    referencia: l.referencia,
    status: l.status,
    itens: l.itens,
    criado_em: l.criado_em.toISOString(),
    liberado_em: l.liberado_em ? l.liberado_em.toISOString() : null,
  };
}

const porProduto = (itens: ItemQuantidade[]) => [...itens].sort((a, b) => a.produto_id - b.produto_id);

// Lock waits are short (each transaction is a handful of single-row updates), but under a burst of
// checkouts many queue on one hot product: give them time rather than failing with P2028.
const TX = { maxWait: 10_000, timeout: 15_000 } as const;

export function createReservasRepository(db: CatalogoDb): ReservasRepository {
  return {
    reservar: (referencia, itens) =>
      noBanco(() =>
        db.write.$transaction(async (tx) => {
          const [nova] = await tx.$queryRaw<Linha[]>`
            INSERT INTO reservas_estoque (referencia, itens) VALUES (${referencia}, ${JSON.stringify(itens)}::jsonb)
            ON CONFLICT (referencia) DO NOTHING
            RETURNING referencia, status, itens, criado_em, liberado_em`;
          if (!nova) {
            const [existente] = await tx.$queryRaw<Linha[]>`
              SELECT referencia, status, itens, criado_em, liberado_em FROM reservas_estoque WHERE referencia = ${referencia}`;
            if (!existente) throw new Error(`reservation ${referencia} vanished after a conflicting insert`);
            return { criada: false, reserva: deLinha(existente) };
          }
          for (const item of porProduto(itens)) {
            const [ok] = await tx.$queryRaw<{ estoque: number }[]>`
              UPDATE produtos SET estoque = estoque - ${item.quantidade}
              WHERE id = ${item.produto_id} AND ativo AND estoque >= ${item.quantidade}
              RETURNING estoque`;
            if (ok) continue;
            const [atual] = await tx.$queryRaw<{ estoque: number; ativo: boolean }[]>`
              SELECT estoque, ativo FROM produtos WHERE id = ${item.produto_id}`;
            if (!atual || !atual.ativo) throw new ProdutoIndisponivelError(item.produto_id);
            throw new EstoqueInsuficienteError(item.produto_id, atual.estoque, item.quantidade);
          }
          return { criada: true, reserva: deLinha(nova) };
        }, TX),
        // The whole transaction is idempotent by referencia: one whose COMMIT was lost in a failover is found
        // by the retry's INSERT ... ON CONFLICT and answered as it is, never applied twice.
        RETRY_IDEMPOTENTE,
      ),

    liberar: (referencia) =>
      noBanco(
        () =>
          db.write.$transaction(async (tx) => {
            const devolver = async (): Promise<ReservaCompleta | null> => {
              const [liberada] = await tx.$queryRaw<Linha[]>`
                UPDATE reservas_estoque SET status = 'liberada', liberado_em = now()
                WHERE referencia = ${referencia} AND status = 'reservada'
                RETURNING referencia, status, itens, criado_em, liberado_em`;
              if (!liberada) return null;
              for (const item of porProduto(liberada.itens)) {
                await tx.$executeRaw`UPDATE produtos SET estoque = estoque + ${item.quantidade} WHERE id = ${item.produto_id}`;
              }
              return deLinha(liberada);
            };
            const liberada = await devolver();
            if (liberada) return liberada;
            // Nothing reserved (yet). Leave a tombstone (liberada, no items) under the referencia, so a reservation
            // still on its way (the caller timed out and is compensating) finds it and takes nothing. If a
            // reservation is being committed right now, this INSERT waits for it and conflicts: then release it.
            const [lapide] = await tx.$queryRaw<{ referencia: string }[]>`
              INSERT INTO reservas_estoque (referencia, status, itens, liberado_em) VALUES (${referencia}, 'liberada', '[]'::jsonb, now())
              ON CONFLICT (referencia) DO NOTHING RETURNING referencia`;
            if (lapide) return null;
            const agora = await devolver();
            if (agora) return agora;
            const [existente] = await tx.$queryRaw<Linha[]>`
              SELECT referencia, status, itens, criado_em, liberado_em FROM reservas_estoque WHERE referencia = ${referencia}`;
            // A tombstone is "no reservation" to the caller.
            return existente && existente.itens.length > 0 ? deLinha(existente) : null;
          }, TX),
        RETRY_IDEMPOTENTE, // guarded by the status transition: a retried release adds nothing back twice
      ),
  };
}
