/**
 * The catalogue API, mounted at /api/v1 (README "API", Catálogo).
 *
 * Money: `preco` is always a JSON STRING with exactly two decimals ("12.90"), read and stored as NUMERIC(12,2),
 * never a float. Writes accept a decimal string ("12.9", "12.90") or a JSON number with at most 2 decimals;
 * 0 < preco <= 100000.
 *
 * Reads (served by the read-only endpoint: the replica, or the primary when HAProxy falls back), each with
 * `X-Served-By: replica|primary` and `Cache-Control: public, max-age=1`:
 * - GET /produtos -> 200 array of {id, nome, descricao, preco, estoque, categoria (name), categoria_id, ativo},
 *   ordered by id, with X-Total-Count. Query: categoria (id or slug), q (case-insensitive substring of nome),
 *   limit 1..100 (default 50), offset >= 0, ativo=true (default) | false | todos. Unknown query parameters are
 *   ignored (cache busters).
 * - GET /produtos/:id -> 200 the same object; 404 when unknown or inactive (unless ativo=false|todos).
 * - GET /categorias -> 200 array of {id, nome, slug, quantidade_produtos (active ones)}, ordered by id.
 * Admin writes (Authorization: Bearer <ADMIN_TOKEN>, else 401), on the read-write endpoint; bodies are strict:
 * - POST /produtos {nome, descricao?, preco, estoque? (0..1000000, default 0), categoria_id} -> 201 + Location;
 *   422 unknown_categoria when categoria_id does not exist.
 * - PATCH /produtos/:id {nome?, descricao?, preco?, categoria_id?, ativo?} -> 200 (estoque: use the route below).
 * - DELETE /produtos/:id -> 204 (soft delete: ativo=false; idempotent).
 * - PUT /produtos/:id/estoque {operacao: "adicionar"|"remover", quantidade: 1..1000000} -> 200 {id, estoque};
 *   409 insufficient_stock (details {produto_id, disponivel, solicitado}) when removing more than is held.
 * Errors are the shared problem body {status, code, message, details?, request_id}; a database that cannot
 * be reached is a 503 with Retry-After.
 */
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
    // Already the JSON body (PaginaProdutos): the same bytes and Content-Type res.json would produce.
    res.set('X-Total-Count', String(value.total)).type('application/json').send(value.itensJson);
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

  // Express fails to decode a param like "%ff" with a URIError (status 400, not marked safe to expose). The
  // shared error handler would answer a generic 400 bad_request; here it is a validation_failed naming
  // `params`, like every other bad catalogue request.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    if (!(err instanceof URIError)) return next(err);
    next(new ValidationError(`invalid request params: ${req.path} is not a valid percent-encoded path`, [{ field: 'params', message: 'is not valid percent-encoding' }]));
  });

  return router;
}
