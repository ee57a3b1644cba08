/**
 * Stock reservations for estoque: all items of an order at once or none, never below zero, idempotent by
 * the caller's referencia. The rules live in the database functions the repository calls (migrations/004);
 * this file holds the shapes and errors.
 */
import { AppError } from '@brigadeiro/errors';
import type { ItemQuantidade, Reserva } from '@brigadeiro/contracts';

export interface ReservaCompleta extends Reserva {
  criado_em: string;
  liberado_em: string | null;
}

export interface ReservasRepository {
  /** `criada` false when the referencia already existed (then nothing was touched). */
  reservar(referencia: string, itens: ItemQuantidade[]): Promise<{ criada: boolean; reserva: ReservaCompleta }>;
  /** Gives the stock back once; null when the referencia is unknown. */
  liberar(referencia: string): Promise<ReservaCompleta | null>;
}

/** 404 for a product that does not exist or is no longer sold (inactive): nothing was reserved. */
export class ProdutoIndisponivelError extends AppError {
  constructor(produtoId: number) {
    super(404, 'product_not_found', `produto ${produtoId} does not exist or is inactive; nothing was reserved`, { produto_id: produtoId });
  }
}
