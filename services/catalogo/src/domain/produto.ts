/**
 * The catalogue's domain shapes. Repositories (src/data) return these plain objects; the routes send them
 * as JSON unchanged (the list page comes already as JSON text: PaginaProdutos). Money is a string with
 * exactly two decimals ("12.90"), never a JS number.
 */

/** Which PostgreSQL node answered a read: the replica, or the primary (HAProxy's fallback, or no replica). */
export type ServedBy = 'replica' | 'primary';

/** A read's value together with the node that served it (learnt in the same query, no extra round trip). */
export interface Served<T> {
  value: T;
  servedBy: ServedBy;
}

export interface Produto {
  id: number;
  nome: string;
  descricao: string | null;
  /** Exact decimal, two places: "12.90". */
  preco: string;
  estoque: number;
  /** The category's name. */
  categoria: string;
  categoria_id: number;
  ativo: boolean;
}

export interface Categoria {
  id: number;
  nome: string;
  slug: string;
  /** How many active products it holds. */
  quantidade_produtos: number;
}

/** `true` (default: only active products), `false` (only soft-deleted ones) or `null` (both). */
export type FiltroAtivo = boolean | null;

export interface FiltroProdutos {
  /** A category id or slug. */
  categoria?: { id: number } | { slug: string };
  /** Case-insensitive substring of the name. */
  q?: string;
  ativo: FiltroAtivo;
  limit: number;
  offset: number;
}

export interface PaginaProdutos {
  /**
   * The page's products as the JSON text of an array of Produto (fields in Produto's order, compact), sent
   * as the response body as it is. The list is the hottest read of the marketplace: the database keeps
   * each product's JSON, and nothing parses it into objects only to serialise them again.
   */
  itensJson: string;
  /** How many products match the filter, ignoring limit/offset (X-Total-Count). */
  total: number;
}

export interface NovoProduto {
  nome: string;
  descricao: string | null;
  /** Normalised money string ("12.90"). */
  preco: string;
  estoque: number;
  categoria_id: number;
}

export type AlteracaoProduto = Partial<Omit<NovoProduto, 'estoque'> & { ativo: boolean }>;

export type OperacaoEstoque = 'adicionar' | 'remover';

/**
 * The outcome of one conditional stock UPDATE: the new stock, or why no row changed (the product does not
 * exist, or the change would leave the stock outside 0..MAX_ESTOQUE; `estoque` is the stock seen then).
 */
export type ResultadoEstoque =
  | { ok: true; id: number; estoque: number }
  | { ok: false; motivo: 'nao_encontrado' }
  | { ok: false; motivo: 'fora_do_limite'; estoque: number };

/** The largest stock a product may hold (PostgreSQL integer). */
export const MAX_ESTOQUE = 2_147_483_647;

export interface ProdutosRepository {
  listar(filtro: FiltroProdutos): Promise<Served<PaginaProdutos>>;
  /** `ativo` as in the list filter: null finds the product whatever its state. */
  obter(id: number, ativo: FiltroAtivo): Promise<Served<Produto | null>>;
  /** Throws CategoriaDesconhecidaError when categoria_id does not exist. */
  criar(novo: NovoProduto): Promise<Produto>;
  /** null when the product does not exist; throws CategoriaDesconhecidaError for an unknown categoria_id. */
  alterar(id: number, alteracao: AlteracaoProduto): Promise<Produto | null>;
  /** Atomic: a single conditional UPDATE that never leaves the stock below 0 or above MAX_ESTOQUE. */
  alterarEstoque(id: number, operacao: OperacaoEstoque, quantidade: number): Promise<ResultadoEstoque>;
}

export interface CategoriasRepository {
  listar(): Promise<Served<Categoria[]>>;
}
