/**
 * logistica's operation for the checkout: create the shipment, dispatched in the same call when asked
 * (`despachar: true`), idempotent by pedido_id (a repeat returns the stored shipment, dispatching it if asked
 * and it is still aguardando_envio).
 */
import { CriarEnvio, Envio } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

export interface LogisticaPort {
  criarEnvio(input: CriarEnvio): Promise<Envio>;
}

export function logisticaHttp(ds: Downstream, retry?: RetryOptions): LogisticaPort {
  return {
    async criarEnvio(input) {
      const r = await chamar(ds, { method: 'POST', url: '/internal/v1/envios', data: CriarEnvio.parse(input) }, retry);
      if ('cliente' in r) throw semResposta(ds.name, r.cliente);
      return conforme(ds.name, Envio, r.ok.data);
    },
  };
}
