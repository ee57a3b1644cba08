/** What the orders API accepts. The body is the contract's CriarPedido (packages/contracts), never a copy. */
import { z } from 'zod';

export { CriarPedido as criarPedidoBody } from '@brigadeiro/contracts';

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,100}$/;

/** An order's public reference: a UUID v4 as POST answered it (`id`, Location). Row ids are not accepted. */
export const pedidoParams = z.object({
  id: z.uuidv4({ message: 'must be an order id as POST /api/v1/pedidos answered it (a UUID)' }),
});
