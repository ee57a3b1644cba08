/** logistica's operations for the checkout: create the shipment, then dispatch it (both idempotent by pedido_id). */
import { CriarEnvio, Envio } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

export interface LogisticaPort {
  criarEnvio(input: CriarEnvio): Promise<Envio>;
  despachar(pedidoId: number): Promise<Envio>;
}

export function logisticaHttp(ds: Downstream, retry?: RetryOptions): LogisticaPort {
  return {
    async criarEnvio(input) {
      const r = await chamar(ds, { method: 'POST', url: '/internal/v1/envios', data: CriarEnvio.parse(input) }, retry);
      if ('cliente' in r) throw semResposta(ds.name, r.cliente);
      return conforme(ds.name, Envio, r.ok.data);
    },
    async despachar(pedidoId) {
      const r = await chamar(ds, { method: 'POST', url: `/internal/v1/envios/${pedidoId}/despacho` }, retry);
      if ('cliente' in r) throw semResposta(ds.name, r.cliente);
      return conforme(ds.name, Envio, r.ok.data);
    },
  };
}
