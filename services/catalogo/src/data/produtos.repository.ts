/**
 * Products. Reads are one statement each on the read-only pg pool, named prepared statements that also
 * return pg_is_in_recovery() (which node served it) and, for the list, the filtered total: a read costs one
 * round trip. A product's JSON is kept on its row by the database (produtos.json, migrations/003), so the
 * list page is that stored text joined into an array, sent as it is. Writes are typed Prisma calls on the
 * read-write client; stock changes are a single conditional UPDATE ... RETURNING.
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
import { Prisma, RETRY_IDEMPOTENTE, RETRY_LEITURA, RETRY_NAO_IDEMPOTENTE, lerLinha, noBanco, prismaCode, type CatalogoDb, type Leitura } from './clientes';

const servedBy = (replica: boolean): ServedBy => (replica ? 'replica' : 'primary');

/** ILIKE treats % and _ as wildcards and \ as escape: a search for "50%" means those characters. */
function contem(texto: string): string {
  return `%${texto.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * The list statement for one shape of filter (which conditions are present; their values are parameters),
 * built once per shape (at most 3 x 3 x 2) and prepared once per connection under a name that says it.
 *
 * - The page is '[' || the products' stored JSON joined by ',' || ']': compact JSON with Produto's fields
 *   in order, byte for byte what res.json of the same objects sent before.
 * - The total: a page that is not full already tells it (offset + its rows, in the same snapshot); only a
 *   full page, or an empty one past the start, counts the matches (CASE evaluates that subquery only then).
 * - One row whatever the page: past the end it still says who served it and the total.
 */
const consultasListar = new Map<string, string>();
function consultaListar(filtro: FiltroProdutos): Leitura {
  const values: unknown[] = [filtro.limit, filtro.offset];
  const cond: string[] = [];
  const forma: string[] = []; // names the statement (PostgreSQL allows 63 characters, so not the SQL)
  const onde = (nome: string, coluna: string, valor: unknown) => {
    forma.push(nome);
    cond.push(`${coluna} $${values.push(valor)}`);
  };
  if (filtro.ativo !== null) onde('ativo', 'p.ativo =', filtro.ativo);
  if (filtro.categoria && 'id' in filtro.categoria) onde('cat', 'p.categoria_id =', filtro.categoria.id);
  if (filtro.categoria && 'slug' in filtro.categoria) onde('slug', 'c.slug =', filtro.categoria.slug);
  if (filtro.q) onde('q', 'p.nome ILIKE', contem(filtro.q));
  const name = `catalogo_listar_${forma.join('_')}`;
  let text = consultasListar.get(name);
  if (text === undefined) {
    const categorias = forma.includes('slug') ? ' JOIN categorias c ON c.id = p.categoria_id' : '';
    text = `WITH filtrados AS NOT MATERIALIZED (SELECT p.id, p.json FROM produtos p${categorias} WHERE ${cond.join(' AND ') || 'TRUE'}),
      pagina AS (SELECT count(*)::int AS n, '[' || coalesce(string_agg(json, ',' ORDER BY id), '') || ']' AS itens
                 FROM (SELECT id, json FROM filtrados ORDER BY id LIMIT $1::int OFFSET $2::int) linhas)
      SELECT pg_is_in_recovery() AS replica,
             CASE WHEN n < $1::int AND (n > 0 OR $2::int = 0) THEN $2::int + n
                  ELSE (SELECT count(*)::int FROM filtrados) END AS total,
             itens
      FROM pagina`;
    consultasListar.set(name, text);
  }
  return { name, text, values };
}

function consultaObter(ativo: FiltroAtivo): Leitura {
  const cond = ativo === null ? 'TRUE' : 'p.ativo = $2';
  return {
    name: ativo === null ? 'catalogo_obter_todos' : 'catalogo_obter_ativo',
    text: `SELECT pg_is_in_recovery() AS replica, (SELECT p.json::json FROM produtos p WHERE p.id = $1 AND ${cond}) AS produto`,
  };
}
const OBTER = { todos: consultaObter(null), filtrado: consultaObter(true) };

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
        const linha = await lerLinha<{ replica: boolean; total: number; itens: string }>(db.read, consultaListar(filtro));
        return { value: { itensJson: linha.itens, total: linha.total }, servedBy: servedBy(linha.replica) };
      }, RETRY_LEITURA),

    obter: (id: number, ativo: FiltroAtivo) =>
      noBanco(async (): Promise<Served<Produto | null>> => {
        const consulta = ativo === null ? { ...OBTER.todos, values: [id] } : { ...OBTER.filtrado, values: [id, ativo] };
        const linha = await lerLinha<{ replica: boolean; produto: Produto | null }>(db.read, consulta);
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
