/** pagamentos' operations for the checkout: authorise and void, idempotent by pedido_id. */
import { AutorizarPagamento, Pagamento } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

export type ResultadoAutorizacao = { aprovado: true; pagamento: Pagamento } | { aprovado: false; motivo: string };

export interface PagamentosPort {
  /** Rejects with Indisponivel when pagamentos cannot be asked. */
  autorizar(input: AutorizarPagamento): Promise<ResultadoAutorizacao>;
  /** Voids the order's payment; `existia: false` when pagamentos has none for it (nothing to undo). */
  estornar(pedidoId: number): Promise<{ existia: boolean }>;
}

export function pagamentosHttp(ds: Downstream, retry?: RetryOptions): PagamentosPort {
  return {
    async autorizar(input) {
      const r = await chamar(ds, { method: 'POST', url: '/internal/v1/pagamentos', data: AutorizarPagamento.parse(input) }, retry);
      if ('cliente' in r) {
        const body = r.cliente.body as { code?: string; message?: string } | undefined;
        if (r.cliente.status === 402) return { aprovado: false, motivo: body?.message ?? 'payment declined' };
        throw semResposta(ds.name, r.cliente);
      }
      const pagamento = conforme(ds.name, Pagamento, r.ok.data);
      // A replay of a declined authorisation may come back as the stored payment rather than a second 402.
      if (pagamento.status !== 'aprovado') return { aprovado: false, motivo: pagamento.motivo ?? `payment ${pagamento.status}` };
      return { aprovado: true, pagamento };
    },
    async estornar(pedidoId) {
      const r = await chamar(ds, { method: 'POST', url: `/internal/v1/pagamentos/${pedidoId}/estorno` }, retry);
      if ('cliente' in r) {
        if (r.cliente.status === 404) return { existia: false };
        throw semResposta(ds.name, r.cliente);
      }
      conforme(ds.name, Pagamento, r.ok.data);
      return { existia: true };
    },
  };
}
