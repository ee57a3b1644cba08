/** POST /internal/v1/pagamentos and POST /internal/v1/pagamentos/:pedido_id/estorno (contracts in @brigadeiro/contracts). */
import { Router } from 'express';
import { AutorizarPagamento, PedidoIdParams } from '@brigadeiro/contracts';
import { parseInput } from '@brigadeiro/errors';
import type { Pagamentos } from '../domain/pagamentos';

export function pagamentosRouter(pagamentos: Pagamentos): Router {
  const router = Router();
  router.post('/internal/v1/pagamentos', async (req, res) => {
    const body = parseInput(AutorizarPagamento, req.body, 'body');
    const { criado, pagamento } = await pagamentos.autorizar(body);
    res.status(criado ? 201 : 200).json(pagamento);
  });
  router.post('/internal/v1/pagamentos/:pedido_id/estorno', async (req, res) => {
    const { pedido_id } = parseInput(PedidoIdParams, req.params, 'params');
    res.json(await pagamentos.estornar(pedido_id));
  });
  return router;
}
