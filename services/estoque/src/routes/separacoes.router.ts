/** POST /internal/v1/separacoes and POST /internal/v1/separacoes/:pedido_id/liberacao (contracts in @brigadeiro/contracts). */
import { Router } from 'express';
import { PedidoIdParams, SepararItens } from '@brigadeiro/contracts';
import { parseInput, ValidationError } from '@brigadeiro/errors';
import type { Separacoes } from '../domain/separacoes';

export function separacoesRouter(separacoes: Separacoes): Router {
  const router = Router();
  router.post('/internal/v1/separacoes', async (req, res) => {
    const body = parseInput(SepararItens, req.body, 'body');
    const repetidos = body.itens.map((i) => i.produto_id).filter((id, i, all) => all.indexOf(id) !== i);
    if (repetidos.length) {
      throw new ValidationError(`invalid request body: body.itens: produto_id ${repetidos.join(', ')} appears more than once`, [
        { field: 'body.itens', message: `produto_id ${repetidos.join(', ')} appears more than once` },
      ]);
    }
    const { criada, separacao } = await separacoes.separar(body);
    res.status(criada ? 201 : 200).json(separacao);
  });
  router.post('/internal/v1/separacoes/:pedido_id/liberacao', async (req, res) => {
    const { pedido_id } = parseInput(PedidoIdParams, req.params, 'params');
    res.json(await separacoes.liberar(pedido_id));
  });
  return router;
}
