/**
 * The order as JSON: money as two-decimal strings ("12.90"), timestamps ISO 8601, what is still pending from the
 * queue. `id` is the public reference; the cart id is left out, so a shared order link grants no access to the cart.
 */
import type { PedidoCompleto } from '../data/pedidos-repository';

export function pedidoJson(p: PedidoCompleto) {
  return {
    id: p.referencia,
    status: p.status,
    cliente: p.cliente,
    pagamento: { metodo: p.metodoPagamento, id: p.pagamentoId },
    itens: p.itens.map((i) => ({ produto_id: i.produtoId, nome: i.nome, quantidade: i.quantidade, preco_unitario: i.precoUnitario, subtotal: i.subtotal })),
    valor_total: p.valorTotal,
    nota_fiscal: p.nfChave ? { numero: p.nfNumero, serie: p.nfSerie, chave_acesso: p.nfChave } : null,
    envio: p.codigoRastreamento ? { codigo_rastreamento: p.codigoRastreamento } : null,
    motivo_cancelamento: p.motivoCancelamento,
    historico: p.historico.map((h) => ({ status: h.status, detalhe: h.detalhe, em: h.em.toISOString() })),
    pendente: p.tarefas.map((t) => ({ etapa: t.etapa, tentativas: t.tentativas, proxima_tentativa_em: t.proximaTentativaEm.toISOString(), ultimo_erro: t.ultimoErro })),
    criado_em: p.criadoEm.toISOString(),
    atualizado_em: p.atualizadoEm.toISOString(),
  };
}
