/** The checkout's answers that are not a 201/202, as typed errors the shared error handler renders. */
import { AppError, ConflictError, NotFoundError, ServiceUnavailableError } from '@brigadeiro/errors';

export class PagamentoRecusado extends AppError {
  constructor(pedidoId: number, motivo: string) {
    super(402, 'payment_declined', `the payment was declined: ${motivo}`, { pedido_id: pedidoId, motivo });
  }
}

export class EstoqueInsuficienteErro extends ConflictError {
  constructor(pedidoId: number, faltas: unknown[]) {
    super('insufficient_stock', 'not enough stock for the order; the payment was voided', { pedido_id: pedidoId, faltas });
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

export class CarrinhoJaPedido extends ConflictError {
  constructor(carrinhoId: string, pedidoId: number | null) {
    super('cart_already_ordered', `cart ${carrinhoId} already has an order that is not cancelled`, { pedido_id: pedidoId });
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
  constructor(pedidoId: number) {
    super('checkout_in_progress', `the checkout with this Idempotency-Key (order ${pedidoId}) is still running; ask again shortly`, { pedido_id: pedidoId });
    this.headers['Retry-After'] = '1';
  }
}

export function indisponivel(servico: string, mensagem: string, retryAfterS: number, pedidoId?: number): ServiceUnavailableError {
  return new ServiceUnavailableError(mensagem, retryAfterS, { servico, ...(pedidoId ? { pedido_id: pedidoId } : {}) });
}
