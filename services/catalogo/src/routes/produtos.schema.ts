/**
 * Request schemas of the catalogue routes. Bodies are strict (an unknown field is a 400 naming it); query
 * strings are not, so a cache-busting parameter passes through. Prices are read from their digits
 * (domain/dinheiro), never through floating point.
 */
import { z } from 'zod';
import { lerPreco } from '../domain/dinheiro';
import type { AlteracaoProduto, FiltroAtivo, FiltroProdutos, NovoProduto, OperacaoEstoque } from '../domain/produto';

const MAX_INT = 2_147_483_647;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Text PostgreSQL can store: it refuses NUL characters (22021), which must be a 400, not a 500. */
const texto = () => z.string().refine((v) => !v.includes('\u0000'), 'must not contain NUL (\\u0000) characters');

/** A whole number in a query string or path ("20"), within min..max. */
const inteiroTexto = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const filtroAtivo = z
  .enum(['true', 'false', 'todos'], { error: 'must be "true", "false" or "todos"' })
  .default('true')
  .transform((v): FiltroAtivo => (v === 'todos' ? null : v === 'true'));

export const idParams = z.object({ id: inteiroTexto(1, MAX_INT) });

export const listarQuery = z
  .object({
    categoria: z
      .string()
      .max(100, 'must be at most 100 characters')
      // All digits means an id (so an all-digit slug cannot be asked for by slug: ask by its id).
      .refine((v) => (/^\d+$/.test(v) ? v.length <= 10 && Number(v) >= 1 && Number(v) <= MAX_INT : SLUG.test(v)), 'must be a category id or slug (e.g. 3 or "bolos")')
      .optional(),
    q: texto().trim().max(100, 'must be at most 100 characters').optional(),
    ativo: filtroAtivo,
    // 50 by default: the whole seeded catalogue (30 products) in one page, as the seed's clients expect.
    limit: inteiroTexto(1, 100).default(50),
    offset: inteiroTexto(0, 100_000_000).default(0),
  })
  .transform(
    (v): FiltroProdutos => ({
      ...(v.categoria === undefined ? {} : { categoria: /^\d+$/.test(v.categoria) ? { id: Number(v.categoria) } : { slug: v.categoria } }),
      ...(v.q ? { q: v.q } : {}),
      ativo: v.ativo,
      limit: v.limit,
      offset: v.offset,
    }),
  );

export const obterQuery = z.object({ ativo: filtroAtivo });

const preco = z
  .union([z.string(), z.number()], { error: 'must be a decimal string such as "12.90" (or a number with at most 2 decimals)' })
  .transform((v, ctx) => {
    const lido = lerPreco(v);
    if (lido.ok) return lido.preco;
    ctx.addIssue({ code: 'custom', message: lido.motivo });
    return z.NEVER;
  });

const nome = texto().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');
const descricao = texto().trim().max(2000, 'must be at most 2000 characters').nullable();
const categoriaId = z.number().int('must be an integer').min(1, 'must be a positive id').max(MAX_INT, 'is not a valid id');

export const criarBody = z
  .strictObject({
    nome,
    descricao: descricao.optional(),
    preco,
    estoque: z.number().int('must be an integer').min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000').default(0),
    categoria_id: categoriaId,
  })
  .transform((v): NovoProduto => ({ ...v, descricao: v.descricao ?? null }));

export const alterarBody = z
  .strictObject({
    nome: nome.optional(),
    descricao: descricao.optional(),
    preco: preco.optional(),
    categoria_id: categoriaId.optional(),
    ativo: z.boolean().optional(),
    // Named so the 400 points to the atomic route instead of saying only "unrecognized key".
    estoque: z.never({ error: 'cannot be set here: change stock with PUT /api/v1/produtos/:id/estoque' }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'must change at least one field')
  .transform(({ estoque: _ignorado, ...v }): AlteracaoProduto => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)));

export const estoqueBody = z.strictObject({
  operacao: z.enum(['adicionar', 'remover'], { error: 'must be "adicionar" or "remover"' }) as z.ZodType<OperacaoEstoque>,
  quantidade: z.number().int('must be an integer').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
});
