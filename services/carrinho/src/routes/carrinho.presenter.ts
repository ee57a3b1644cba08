/**
 * The cart as JSON. Prices are strings with two decimals ("12.90"); an unverified item has
 * preco_unitario, subtotal and nome null, and `total` sums the verified items only (the order service
 * re-prices everything at checkout anyway).
 */
import type { CarrinhoGuardado } from '../data/carrinho-repository';
import { formatar } from '../domain/dinheiro';

export interface CarrinhoJson {
  id: string;
  itens: {
    produto_id: number;
    nome: string | null;
    preco_unitario: string | null;
    quantidade: number;
    subtotal: string | null;
    verificado: boolean;
  }[];
  total: string;
  expira_em: string;
}

export function carrinhoJson(c: CarrinhoGuardado, now = Date.now()): CarrinhoJson {
  let total = 0n;
  const itens = c.itens.map((item) => {
    if (!item.produto.verificado) {
      return { produto_id: item.produtoId, nome: null, preco_unitario: null, quantidade: item.quantidade, subtotal: null, verificado: false };
    }
    const subtotal = BigInt(item.produto.centavos) * BigInt(item.quantidade);
    total += subtotal;
    return {
      produto_id: item.produtoId,
      nome: item.produto.nome,
      preco_unitario: formatar(item.produto.centavos),
      quantidade: item.quantidade,
      subtotal: formatar(subtotal),
      verificado: true,
    };
  });
  return { id: c.id, itens, total: formatar(total), expira_em: new Date(now + Math.max(0, c.ttlMs)).toISOString() };
}
