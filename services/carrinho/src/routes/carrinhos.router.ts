/**
 * /api/v1/carrinhos. Status codes: POST / 201 (+ Location); POST /:id/itens 201 when the product is new
 * in the cart, 200 when its quantity was increased; DELETE /:id 204; DELETE /:id/itens/:produto_id 200
 * with the cart, also when the product was not in it (idempotent: a removal nginx re-sent to another
 * instance answers like the first). A malformed cart id is a 400 naming params.id; an unknown or expired
 * cart is a 404.
 */
import { Router } from 'express';
import { parseInput } from '@brigadeiro/errors';
import type { CarrinhoService } from '../domain/carrinho';
import { carrinhoJson } from './carrinho.presenter';
import { adicionarItemBody, carrinhoParams, criarCarrinhoBody, definirQuantidadeBody, itemParams } from './carrinhos.schemas';

export const CARRINHOS_PATH = '/api/v1/carrinhos';

export function carrinhosRouter(service: CarrinhoService, opts: { maxQuantity: number }): Router {
  const router = Router();
  const adicionarBody = adicionarItemBody(opts.maxQuantity);
  const definirBody = definirQuantidadeBody(opts.maxQuantity);

  router.post('/', async (req, res) => {
    parseInput(criarCarrinhoBody, req.body, 'body');
    const carrinho = await service.criar();
    res.status(201).location(`${CARRINHOS_PATH}/${carrinho.id}`).json(carrinhoJson(carrinho));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(carrinhoParams, req.params, 'params');
    res.json(carrinhoJson(await service.ver(id)));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(carrinhoParams, req.params, 'params');
    await service.apagar(id);
    res.status(204).end();
  });

  router.post('/:id/itens', async (req, res) => {
    const { id } = parseInput(carrinhoParams, req.params, 'params');
    const body = parseInput(adicionarBody, req.body, 'body');
    const { carrinho, itemNovo } = await service.adicionarItem(id, body.produto_id, body.quantidade);
    res.status(itemNovo ? 201 : 200).json(carrinhoJson(carrinho));
  });

  router.patch('/:id/itens/:produto_id', async (req, res) => {
    const { id, produto_id } = parseInput(itemParams, req.params, 'params');
    const body = parseInput(definirBody, req.body, 'body');
    res.json(carrinhoJson(await service.definirQuantidade(id, produto_id, body.quantidade)));
  });

  router.delete('/:id/itens/:produto_id', async (req, res) => {
    const { id, produto_id } = parseInput(itemParams, req.params, 'params');
    res.json(carrinhoJson(await service.removerItem(id, produto_id)));
  });

  return router;
}
