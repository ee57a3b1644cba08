/**
 * /api/v1/pedidos. POST answers 201 (every step done), 202 (accepted; a step after payment and stock is
 * queued, see `pendente`), 200 (a replay of an Idempotency-Key whose checkout was accepted: the order as it
 * is now, header Idempotent-Replayed: true), or the errors of domain/erros.ts. GET /:id answers the order
 * whose public reference (a UUID v4, the `id` a client is given) is :id; the row id is never accepted.
 */
import { Router } from 'express';
import { NotFoundError, parseInput, ValidationError } from '@brigadeiro/errors';
import type { PedidosRepository } from '../data/pedidos-repository';
import type { Checkout } from '../domain/checkout';
import { pedidoJson } from './pedido.presenter';
import { criarPedidoBody, IDEMPOTENCY_KEY, pedidoParams } from './pedidos.schemas';

export const PEDIDOS_PATH = '/api/v1/pedidos';

export function pedidosRouter(checkout: Checkout, repo: PedidosRepository): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const chave = req.get('idempotency-key');
    if (chave === undefined || !IDEMPOTENCY_KEY.test(chave)) {
      const message = chave === undefined ? 'is required' : 'must be 1 to 100 characters of A-Z, a-z, 0-9, "_" or "-"';
      throw new ValidationError(`invalid request headers: headers.idempotency-key: ${message}`, [{ field: 'headers.idempotency-key', message }]);
    }
    const body = parseInput(criarPedidoBody, req.body, 'body');
    const r = await checkout.criar(chave, body);
    const pedido = await repo.completo(r.pedidoId);
    if (r.status === 200) res.set('Idempotent-Replayed', 'true');
    res.status(r.status).location(`${PEDIDOS_PATH}/${pedido!.referencia}`).json(pedidoJson(pedido!));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(pedidoParams, req.params, 'params');
    const pedido = await repo.completo(id);
    if (!pedido) throw new NotFoundError(`order ${id} was not found`);
    res.json(pedidoJson(pedido));
  });

  return router;
}
