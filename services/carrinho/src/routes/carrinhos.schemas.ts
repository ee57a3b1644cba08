/**
 * What the cart API accepts, checked at the edge with zod (parseInput turns a failure into a 400 that
 * names each field). Bodies are strict: an unknown field is an error, not silently dropped.
 */
import { z } from 'zod';

/** PostgreSQL integer range: catalogo's product ids are `serial`. */
const MAX_PRODUTO_ID = 2_147_483_647;

/** Cart ids are crypto.randomUUID() (v4, lowercase); anything else is refused before Redis is touched. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const carrinhoParams = z.object({
  id: z.string().regex(UUID_V4, 'must be a cart id as returned by POST /api/v1/carrinhos (a lowercase UUID v4)'),
});

export const itemParams = carrinhoParams.extend({
  produto_id: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, `must be a positive integer up to ${MAX_PRODUTO_ID}`)
    .transform(Number)
    .refine((n) => n <= MAX_PRODUTO_ID, `must be a positive integer up to ${MAX_PRODUTO_ID}`),
});

export const criarCarrinhoBody = z.strictObject({}).optional();

const quantidade = (max: number) =>
  z
    .number({ error: `must be an integer from 1 to ${max}` })
    .int(`must be an integer from 1 to ${max}`)
    .min(1, `must be an integer from 1 to ${max}`)
    .max(max, `must be an integer from 1 to ${max}`);

export function adicionarItemBody(maxQuantity: number) {
  return z.strictObject({
    produto_id: z
      .number({ error: `must be a positive integer up to ${MAX_PRODUTO_ID}` })
      .int(`must be a positive integer up to ${MAX_PRODUTO_ID}`)
      .min(1, `must be a positive integer up to ${MAX_PRODUTO_ID}`)
      .max(MAX_PRODUTO_ID, `must be a positive integer up to ${MAX_PRODUTO_ID}`),
    quantidade: quantidade(maxQuantity),
  });
}

export function definirQuantidadeBody(maxQuantity: number) {
  return z.strictObject({ quantidade: quantidade(maxQuantity) });
}
