/**
 * The checkout's answers that are not a 201/202, as typed errors the shared error handler renders. An order
 * is named by its public reference (`pedido_id`: the UUID a client can GET), never by its row id.
 */
import { AppError, ConflictError, NotFoundError, ServiceUnavailableError } from '@brigadeiro/errors';

export class PagamentoRecusado extends AppError {
  constructor(referencia: string, motivo: string) {
    super(402, 'payment_declined', `the payment was declined: ${motivo}`, { pedido_id: referencia, motivo });
  }
}

export class EstoqueInsuficienteErro extends ConflictError {
  constructor(referencia: string, faltas: unknown[]) {
    super('insufficient_stock', 'not enough stock for the order; the payment was voided', { pedido_id: referencia, faltas });
  }
}

export class CarrinhoNaoEncontrado extends NotFoundError {
  constructor(id: string) {
    super(`cart ${id} was not found (unknown or expired)`);
  }
}

export class CarrinhoVazio extends AppError {
  constructor(id: string) {
    super(422, 'cart_empty', `cart ${id} has no items`);
  }
}

export class ProdutosDesconhecidos extends AppError {
  constructor(ids: number[]) {
    super(422, 'unknown_product', `the cart has products catalogo does not sell: ${ids.join(', ')}`, ids.map((produto_id) => ({ produto_id })));
  }
}

/** The other order is not named: a cart id (which may be shared) must not lead to someone's order and personal data. */
export class CarrinhoJaPedido extends ConflictError {
  constructor(carrinhoId: string) {
    super('cart_already_ordered', `cart ${carrinhoId} already has an order that is not cancelled`);
  }
}

export class ChaveComOutroCarrinho extends AppError {
  constructor() {
    super(422, 'idempotency_key_reused', 'this Idempotency-Key was used for another cart; use a new key for a new checkout', [
      { field: 'headers.idempotency-key', message: 'was already used with a different carrinho_id' },
    ]);
  }
}

export class CheckoutEmAndamento extends ConflictError {
  constructor(referencia: string) {
    super('checkout_in_progress', `the checkout with this Idempotency-Key (order ${referencia}) is still running; ask again shortly`, { pedido_id: referencia });
    this.headers['Retry-After'] = '1';
  }
}

export function indisponivel(servico: string, mensagem: string, retryAfterS: number, referencia?: string): ServiceUnavailableError {
  return new ServiceUnavailableError(mensagem, retryAfterS, { servico, ...(referencia ? { pedido_id: referencia } : {}) });
}
