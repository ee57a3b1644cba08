/**
 * Reservations, on the read-write endpoint, each ONE call of a database function (migrations/004, where the
 * rules are spelled out) on the pg pool under the Prisma client: a statement per product through Prisma cost
 * 1-3 ms of CPU each, on every checkout.
 * - reservar: insert the reservation row (a repeat returns the existing one and touches nothing), then one
 *   conditional decrement per product in produto_id order, so two reservations over the same products always
 *   lock them in the same order and cannot deadlock. A shortfall (or unknown product) raises, which rolls back
 *   the row and every decrement made so far.
 * - liberar: the status transition reservada -> liberada is the guard, so the stock is added back exactly
 *   once however often it is called. Releasing a referencia never reserved leaves a tombstone (status
 *   liberada, no items), so a reservation arriving late under it (its caller already gave up and compensated)
 *   is answered "liberada" and takes no stock.
 */
import type { ItemQuantidade } from '@brigadeiro/contracts';
import { sqlState } from '@brigadeiro/db';
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

// Named prepared statements: each pooled connection parses and plans them once.
const RESERVAR = {
  name: 'reservar_estoque',
  text: 'SELECT criada, referencia, status, itens, criado_em, liberado_em FROM reservar_estoque($1, $2::jsonb)',
} as const;
const LIBERAR = {
  name: 'liberar_estoque',
  text: 'SELECT referencia, status, itens, criado_em, liberado_em FROM liberar_estoque($1)',
} as const;

// The SQLSTATEs reservar_estoque raises (migrations/004), with the facts as JSON in DETAIL.
const ESTOQUE_INSUFICIENTE = 'CE409';
const PRODUTO_INDISPONIVEL = 'CE404';

/** The domain error for a refusal of reservar_estoque; anything else unchanged. */
function recusa(err: unknown): unknown {
  const code = sqlState(err);
  if (code !== ESTOQUE_INSUFICIENTE && code !== PRODUTO_INDISPONIVEL) return err;
  const d = JSON.parse((err as { detail: string }).detail) as { produto_id: number; disponivel: number; solicitado: number };
  return code === PRODUTO_INDISPONIVEL ? new ProdutoIndisponivelError(d.produto_id) : new EstoqueInsuficienteError(d.produto_id, d.disponivel, d.solicitado);
}

export function createReservasRepository(db: CatalogoDb): ReservasRepository {
  return {
    reservar: async (referencia, itens) => {
      try {
        const { rows } = await noBanco(
          () => db.writePg.query<Linha & { criada: boolean }>({ ...RESERVAR, values: [referencia, JSON.stringify(itens)] }),
          // The whole call is idempotent by referencia: one whose COMMIT was lost in a failover is found by the
          // retry's INSERT ... ON CONFLICT and answered as it is, never applied twice.
          RETRY_IDEMPOTENTE,
        );
        const [linha] = rows;
        if (!linha) throw new Error(`reservar_estoque returned no row for ${referencia}`);
        return { criada: linha.criada, reserva: deLinha(linha) };
      } catch (err) {
        throw recusa(err);
      }
    },

    liberar: async (referencia) => {
      const { rows } = await noBanco(
        () => db.writePg.query<Linha>({ ...LIBERAR, values: [referencia] }),
        RETRY_IDEMPOTENTE, // guarded by the status transition: a retried release adds nothing back twice
      );
      const [linha] = rows;
      return linha ? deLinha(linha) : null;
    },
  };
}
