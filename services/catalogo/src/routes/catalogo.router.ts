/** The catalogue API, mounted at /api/v1 (see /work/shared/ARCHITECTURE.md "Public API"). */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { parseInput, ValidationError } from '@brigadeiro/errors';
import { requireAdmin } from '@brigadeiro/service-defaults';
import type { Catalogo } from '../domain/catalogo';
import type { MarcarLeitura } from './leituras';
import { alterarBody, criarBody, estoqueBody, idParams, listarQuery, obterQuery } from './produtos.schema';

export function catalogoRouter(catalogo: Catalogo, marcarLeitura: MarcarLeitura, adminToken: string): Router {
  const router = Router();
  const admin = requireAdmin(adminToken);

  router.get('/produtos', async (req, res) => {
    const filtro = parseInput(listarQuery, req.query, 'query');
    const { value, servedBy } = await catalogo.listarProdutos(filtro);
    marcarLeitura(res, servedBy);
    res.set('X-Total-Count', String(value.total)).json(value.itens);
  });

  router.get('/produtos/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const { ativo } = parseInput(obterQuery, req.query, 'query');
    const { value, servedBy } = await catalogo.obterProduto(id, ativo);
    marcarLeitura(res, servedBy);
    res.json(value);
  });

  router.get('/categorias', async (_req, res) => {
    const { value, servedBy } = await catalogo.listarCategorias();
    marcarLeitura(res, servedBy);
    res.json(value);
  });

  router.post('/produtos', admin, async (req, res) => {
    const produto = await catalogo.criarProduto(parseInput(criarBody, req.body, 'body'));
    res.status(201).location(`${req.baseUrl}/produtos/${produto.id}`).json(produto);
  });

  router.patch('/produtos/:id', admin, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await catalogo.alterarProduto(id, parseInput(alterarBody, req.body, 'body')));
  });

  router.delete('/produtos/:id', admin, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    await catalogo.desativarProduto(id);
    res.status(204).end();
  });

  router.put('/produtos/:id/estoque', admin, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const { operacao, quantidade } = parseInput(estoqueBody, req.body, 'body');
    res.json(await catalogo.alterarEstoque(id, operacao, quantidade));
  });

  // Express fails to decode a param like "%ff" with a URIError (status 400, but not marked safe to expose),
  // which the shared error handler would answer as a 500: it is the caller's mistake, so say so.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    if (!(err instanceof URIError)) return next(err);
    next(new ValidationError(`invalid request params: ${req.path} is not a valid percent-encoded path`, [{ field: 'params', message: 'is not valid percent-encoding' }]));
  });

  return router;
}
