/**
 * Stock reservations for estoque, on catalogo's own port under /internal/v1 (never under /api: the gateway
 * does not route /internal, so these need no admin token). Contracts in @brigadeiro/contracts:
 * - POST /internal/v1/reservas {referencia, itens: [{produto_id, quantidade}]} -> 201 Reserva (200 with the
 *   existing one when the referencia was reserved before, nothing touched); 409 insufficient_stock with
 *   details {produto_id, disponivel, solicitado} and nothing reserved; 404 product_not_found; 400 for a bad
 *   body (including a produto_id listed twice).
 * - DELETE /internal/v1/reservas/:referencia -> 200 Reserva with status "liberada" (the stock is given back
 *   once; repeats return it as is); 404 when the referencia is unknown, which is remembered: a later POST with
 *   that referencia answers 200 {status: "liberada", itens: []} and reserves nothing (it came after its own
 *   compensation).
 */
import { Router } from 'express';
import { z } from 'zod';
import { ReservarEstoque } from '@brigadeiro/contracts';
import { NotFoundError, parseInput, ValidationError } from '@brigadeiro/errors';
import type { ReservasRepository } from '../domain/reservas';

const ReferenciaParams = z.object({ referencia: ReservarEstoque.shape.referencia });

export function reservasRouter(reservas: ReservasRepository): Router {
  const router = Router();
  router.post('/internal/v1/reservas', async (req, res) => {
    const { referencia, itens } = parseInput(ReservarEstoque, req.body, 'body');
    const repetidos = itens.map((i) => i.produto_id).filter((id, i, all) => all.indexOf(id) !== i);
    if (repetidos.length) {
      throw new ValidationError(`invalid request body: body.itens: produto_id ${repetidos.join(', ')} appears more than once`, [
        { field: 'body.itens', message: `produto_id ${repetidos.join(', ')} appears more than once` },
      ]);
    }
    const { criada, reserva } = await reservas.reservar(referencia, itens);
    res.status(criada ? 201 : 200).json(reserva);
  });
  router.delete('/internal/v1/reservas/:referencia', async (req, res) => {
    const { referencia } = parseInput(ReferenciaParams, req.params, 'params');
    const reserva = await reservas.liberar(referencia);
    if (!reserva) throw new NotFoundError(`no reservation with referencia ${referencia}`);
    res.json(reserva);
  });
  return router;
}
