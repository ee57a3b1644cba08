/** What the orders API accepts. The body is the contract's CriarPedido (packages/contracts), never a copy. */
import { z } from 'zod';

export { CriarPedido as criarPedidoBody } from '@brigadeiro/contracts';

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,100}$/;

export const pedidoParams = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer (an order id)')
    .transform(Number),
});
