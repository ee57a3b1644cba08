/**
 * Products. Reads are one raw query on the read-only client that also returns pg_is_in_recovery() (which
 * node served it) and the filtered total, so a read costs one round trip. Writes are typed Prisma calls on
 * the read-write client; stock changes are a single conditional UPDATE ... RETURNING.
 */
import {
  MAX_ESTOQUE,
  type AlteracaoProduto,
  type FiltroAtivo,
  type FiltroProdutos,
  type NovoProduto,
  type OperacaoEstoque,
  type PaginaProdutos,
  type Produto,
  type ProdutosRepository,
  type ResultadoEstoque,
  type Served,
  type ServedBy,
} from '../domain/produto';
import { CategoriaDesconhecidaError } from '../domain/erros';
import { Prisma, RETRY_IDEMPOTENTE, RETRY_LEITURA, RETRY_NAO_IDEMPOTENTE, noBanco, prismaCode, type CatalogoDb } from './clientes';

// numeric::text keeps the exact value with its two decimals ("12.90"): money never passes through a float.
const COLUNAS = Prisma.raw(
  'p.id, p.nome, p.descricao, p.preco::text AS preco, p.estoque, c.nome AS categoria, p.categoria_id, p.ativo',
);

const servedBy = (replica: boolean): ServedBy => (replica ? 'replica' : 'primary');

function condicaoAtivo(ativo: FiltroAtivo): Prisma.Sql {
  return ativo === null ? Prisma.sql`TRUE` : Prisma.sql`p.ativo = ${ativo}`;
}

/** ILIKE treats % and _ as wildcards and \ as escape: a search for "50%" means those characters. */
function contem(texto: string): string {
  return `%${texto.replace(/[\\%_]/g, '\\$&')}%`;
}

const incluiCategoria = { categoria: { select: { nome: true } } } as const;

interface LinhaPrisma {
  id: number;
  nome: string;
  descricao: string | null;
  preco: Prisma.Decimal;
  estoque: number;
  categoriaId: number;
  ativo: boolean;
  categoria: { nome: string };
}

function deLinha(l: LinhaPrisma): Produto {
  return {
    id: l.id,
    nome: l.nome,
    descricao: l.descricao,
    preco: l.preco.toFixed(2),
    estoque: l.estoque,
    categoria: l.categoria.nome,
    categoria_id: l.categoriaId,
    ativo: l.ativo,
  };
}

function categoriaDesconhecida(err: unknown, categoriaId: number | undefined): never {
  // P2003: foreign key violated; the only foreign key a product write can break is categoria_id.
  if (prismaCode(err) === 'P2003' && categoriaId !== undefined) throw new CategoriaDesconhecidaError(categoriaId);
  throw err;
}

export function createProdutosRepository(db: CatalogoDb): ProdutosRepository {
  return {
    listar: (filtro: FiltroProdutos) =>
      noBanco(async (): Promise<Served<PaginaProdutos>> => {
        const cond: Prisma.Sql[] = [condicaoAtivo(filtro.ativo)];
        if (filtro.categoria && 'id' in filtro.categoria) cond.push(Prisma.sql`p.categoria_id = ${filtro.categoria.id}`);
        if (filtro.categoria && 'slug' in filtro.categoria) cond.push(Prisma.sql`c.slug = ${filtro.categoria.slug}`);
        if (filtro.q) cond.push(Prisma.sql`p.nome ILIKE ${contem(filtro.q)}`);
        // One row whatever the page: even past the end it still says who served it and the total.
        const [linha] = await db.read.$queryRaw<{ replica: boolean; total: number; itens: Produto[] }[]>`
          WITH filtrados AS NOT MATERIALIZED (
            SELECT ${COLUNAS} FROM produtos p JOIN categorias c ON c.id = p.categoria_id
            WHERE ${Prisma.join(cond, ' AND ')}
          )
          SELECT pg_is_in_recovery() AS replica,
                 (SELECT count(*)::int FROM filtrados) AS total,
                 coalesce((SELECT json_agg(pagina ORDER BY pagina.id)
                             FROM (SELECT * FROM filtrados ORDER BY id LIMIT ${filtro.limit} OFFSET ${filtro.offset}) pagina),
                          '[]'::json) AS itens`;
        if (!linha) throw new Error('catalogue list query returned no row');
        return { value: { itens: linha.itens, total: linha.total }, servedBy: servedBy(linha.replica) };
      }, RETRY_LEITURA),

    obter: (id: number, ativo: FiltroAtivo) =>
      noBanco(async (): Promise<Served<Produto | null>> => {
        const [linha] = await db.read.$queryRaw<{ replica: boolean; produto: Produto | null }[]>`
          SELECT pg_is_in_recovery() AS replica,
                 (SELECT row_to_json(x) FROM (
                    SELECT ${COLUNAS} FROM produtos p JOIN categorias c ON c.id = p.categoria_id
                    WHERE p.id = ${id} AND ${condicaoAtivo(ativo)}) x) AS produto`;
        if (!linha) throw new Error('catalogue get query returned no row');
        return { value: linha.produto, servedBy: servedBy(linha.replica) };
      }, RETRY_LEITURA),

    criar: (novo: NovoProduto) =>
      noBanco(async () => {
        try {
          const criado = await db.write.produto.create({
            data: {
              nome: novo.nome,
              descricao: novo.descricao,
              preco: new Prisma.Decimal(novo.preco),
              estoque: novo.estoque,
              categoriaId: novo.categoria_id,
            },
            include: incluiCategoria,
          });
          return deLinha(criado);
        } catch (err) {
          return categoriaDesconhecida(err, novo.categoria_id);
        }
      }, RETRY_NAO_IDEMPOTENTE),

    alterar: (id: number, alteracao: AlteracaoProduto) =>
      noBanco(async () => {
        try {
          const alterado = await db.write.produto.update({
            where: { id },
            data: {
              ...(alteracao.nome !== undefined ? { nome: alteracao.nome } : {}),
              ...(alteracao.descricao !== undefined ? { descricao: alteracao.descricao } : {}),
              ...(alteracao.preco !== undefined ? { preco: new Prisma.Decimal(alteracao.preco) } : {}),
              ...(alteracao.categoria_id !== undefined ? { categoriaId: alteracao.categoria_id } : {}),
              ...(alteracao.ativo !== undefined ? { ativo: alteracao.ativo } : {}),
            },
            include: incluiCategoria,
          });
          return deLinha(alterado);
        } catch (err) {
          if (prismaCode(err) === 'P2025') return null; // no row with that id
          return categoriaDesconhecida(err, alteracao.categoria_id);
        }
      }, RETRY_IDEMPOTENTE),

    alterarEstoque: (id: number, operacao: OperacaoEstoque, quantidade: number) =>
      noBanco(async (): Promise<ResultadoEstoque> => {
        // The WHERE is the whole rule: PostgreSQL re-checks it on the latest row version after waiting for a
        // concurrent update's lock, so concurrent removals can never take the stock below zero.
        const remover = operacao === 'remover';
        const [linha] = await db.write.produto.updateManyAndReturn({
          where: { id, estoque: remover ? { gte: quantidade } : { lte: MAX_ESTOQUE - quantidade } },
          data: { estoque: remover ? { decrement: quantidade } : { increment: quantidade } },
          select: { id: true, estoque: true },
        });
        if (linha) return { ok: true, id: linha.id, estoque: linha.estoque };
        const atual = await db.write.produto.findUnique({ where: { id }, select: { estoque: true } });
        return atual ? { ok: false, motivo: 'fora_do_limite', estoque: atual.estoque } : { ok: false, motivo: 'nao_encontrado' };
      }, RETRY_NAO_IDEMPOTENTE),
  };
}
