/** POST /internal/v1/envios (with `despachar: true`, created and dispatched in one call), .../:pedido_id/despacho and .../:pedido_id/entrega (contracts in @brigadeiro/contracts). */
import { Router } from 'express';
import { CriarEnvio, PedidoIdParams } from '@brigadeiro/contracts';
import { parseInput } from '@brigadeiro/errors';
import type { Envios } from '../domain/envios';

export function enviosRouter(envios: Envios): Router {
  const router = Router();
  router.post('/internal/v1/envios', async (req, res) => {
    const body = parseInput(CriarEnvio, req.body, 'body');
    const { criado, envio } = await envios.criar(body);
    res.status(criado ? 201 : 200).json(envio);
  });
  router.post('/internal/v1/envios/:pedido_id/despacho', async (req, res) => {
    const { pedido_id } = parseInput(PedidoIdParams, req.params, 'params');
    res.json(await envios.despachar(pedido_id));
  });
  router.post('/internal/v1/envios/:pedido_id/entrega', async (req, res) => {
    const { pedido_id } = parseInput(PedidoIdParams, req.params, 'params');
    res.json(await envios.entregar(pedido_id));
  });
  return router;
}
