/**
 * Cart use cases. Availability first: a product catalogo cannot vouch for right now (down, slow, breaker
 * open) is still accepted, flagged unverified with no price; a product catalogo says does not exist or
 * is inactive is refused. Limits are enforced atomically by the repository, so nothing here reads a
 * quantity and writes it back.
 */
import { randomUUID } from 'node:crypto';
import { AppError, ConflictError, NotFoundError } from '@brigadeiro/errors';
import type { CarrinhoGuardado, CarrinhoRepository, Mudanca, ProdutoSnapshot } from '../data/carrinho-repository';
import type { CatalogoClient } from '../data/catalogo-client';

export interface CarrinhoServiceDeps {
  repo: CarrinhoRepository;
  catalogo: CatalogoClient;
  maxQuantity: number;
  maxItems: number;
  /** Called when an item is accepted without catalogo's word (for the log and the metric). */
  onNaoVerificado: (produtoId: number, motivo: string) => void;
}

export interface ItemAdicionado {
  carrinho: CarrinhoGuardado;
  /** True when the product was not in the cart before (the line was created, not incremented). */
  itemNovo: boolean;
}

export class CarrinhoService {
  constructor(private readonly deps: CarrinhoServiceDeps) {}

  criar(): Promise<CarrinhoGuardado> {
    return this.deps.repo.criar(randomUUID());
  }

  async ver(id: string): Promise<CarrinhoGuardado> {
    const carrinho = await this.deps.repo.ver(id);
    if (!carrinho) throw carrinhoInexistente(id);
    return carrinho;
  }

  async adicionarItem(id: string, produtoId: number, quantidade: number): Promise<ItemAdicionado> {
    // Answer "no such cart" before bothering catalogo; the script checks again atomically.
    if (!(await this.deps.repo.existe(id))) throw carrinhoInexistente(id);
    const produto = await this.verificarProduto(produtoId);
    const mudanca = await this.deps.repo.adicionar(id, produtoId, quantidade, produto);
    return { carrinho: this.aplicada(id, produtoId, quantidade, mudanca), itemNovo: mudanca.ok && mudanca.itemNovo };
  }

  async definirQuantidade(id: string, produtoId: number, quantidade: number): Promise<CarrinhoGuardado> {
    return this.aplicada(id, produtoId, quantidade, await this.deps.repo.definir(id, produtoId, quantidade));
  }

  async removerItem(id: string, produtoId: number): Promise<CarrinhoGuardado> {
    return this.aplicada(id, produtoId, 0, await this.deps.repo.remover(id, produtoId));
  }

  async apagar(id: string): Promise<void> {
    if (!(await this.deps.repo.apagar(id))) throw carrinhoInexistente(id);
  }

  private async verificarProduto(produtoId: number): Promise<ProdutoSnapshot> {
    const v = await this.deps.catalogo.verificar(produtoId);
    switch (v.resultado) {
      case 'inexistente':
        throw new AppError(404, 'produto_inexistente', `produto ${produtoId} não existe`, { field: 'body.produto_id' });
      case 'indisponivel':
        this.deps.onNaoVerificado(produtoId, v.motivo);
        return { verificado: false };
      case 'encontrado':
        if (!v.ativo) {
          throw new AppError(422, 'produto_inativo', `produto ${produtoId} não está à venda (inativo)`, { field: 'body.produto_id' });
        }
        return { verificado: true, nome: v.nome, centavos: v.centavos };
    }
  }

  private aplicada(id: string, produtoId: number, quantidade: number, m: Mudanca): CarrinhoGuardado {
    if (m.ok) return m.carrinho;
    switch (m.motivo) {
      case 'carrinho_inexistente':
        throw carrinhoInexistente(id);
      case 'item_inexistente':
        throw new AppError(404, 'item_inexistente', `produto ${produtoId} não está no carrinho ${id}`);
      case 'quantidade_maxima':
        throw new ConflictError(
          'quantidade_maxima_excedida',
          `o carrinho já tem ${m.atual} do produto ${produtoId}; somar ${quantidade} passaria do máximo de ${this.deps.maxQuantity} por produto (nada foi alterado)`,
          { field: 'body.quantidade', atual: m.atual, solicitado: quantidade, maximo: this.deps.maxQuantity },
        );
      case 'carrinho_cheio':
        throw new ConflictError(
          'carrinho_cheio',
          `o carrinho já tem ${m.itens} produtos diferentes, o máximo (nada foi alterado)`,
          { field: 'body.produto_id', itens: m.itens, maximo: this.deps.maxItems },
        );
    }
  }
}

function carrinhoInexistente(id: string): NotFoundError {
  return new NotFoundError(`carrinho ${id} não existe (ou expirou)`);
}
