/** The catalogue's use cases: thin, because the rules that matter (atomic stock) live in one SQL statement each. */
import {
  MAX_ESTOQUE,
  type AlteracaoProduto,
  type CategoriasRepository,
  type FiltroAtivo,
  type FiltroProdutos,
  type NovoProduto,
  type OperacaoEstoque,
  type Produto,
  type ProdutosRepository,
  type Served,
} from './produto';
import { EstoqueExcedidoError, EstoqueInsuficienteError, ProdutoNaoEncontradoError } from './erros';

export interface Catalogo {
  listarProdutos: ProdutosRepository['listar'];
  obterProduto(id: number, ativo: FiltroAtivo): Promise<Served<Produto>>;
  listarCategorias: CategoriasRepository['listar'];
  criarProduto(novo: NovoProduto): Promise<Produto>;
  alterarProduto(id: number, alteracao: AlteracaoProduto): Promise<Produto>;
  /** Soft delete: the product stays (orders refer to it) but leaves the public list. Idempotent. */
  desativarProduto(id: number): Promise<void>;
  alterarEstoque(id: number, operacao: OperacaoEstoque, quantidade: number): Promise<{ id: number; estoque: number }>;
}

export function createCatalogo(produtos: ProdutosRepository, categorias: CategoriasRepository): Catalogo {
  const existente = <T>(id: number, p: T | null): T => {
    if (p === null) throw new ProdutoNaoEncontradoError(id);
    return p;
  };
  return {
    listarProdutos: (filtro: FiltroProdutos) => produtos.listar(filtro),
    async obterProduto(id, ativo) {
      const lido = await produtos.obter(id, ativo);
      return { value: existente(id, lido.value), servedBy: lido.servedBy };
    },
    listarCategorias: () => categorias.listar(),
    criarProduto: (novo) => produtos.criar(novo),
    async alterarProduto(id, alteracao) {
      return existente(id, await produtos.alterar(id, alteracao));
    },
    async desativarProduto(id) {
      existente(id, await produtos.alterar(id, { ativo: false }));
    },
    async alterarEstoque(id, operacao, quantidade) {
      const r = await produtos.alterarEstoque(id, operacao, quantidade);
      if (r.ok) return { id: r.id, estoque: r.estoque };
      if (r.motivo === 'nao_encontrado') throw new ProdutoNaoEncontradoError(id);
      throw operacao === 'remover'
        ? new EstoqueInsuficienteError(id, r.estoque, quantidade)
        : new EstoqueExcedidoError(id, r.estoque, quantidade, MAX_ESTOQUE);
    },
  };
}
