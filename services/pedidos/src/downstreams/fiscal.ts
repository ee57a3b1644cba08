/** fiscal's operation for the checkout: issue the nota fiscal (idempotent by pedido_id). */
import { EmitirNota, NotaFiscal } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

export interface FiscalPort {
  emitir(input: EmitirNota): Promise<NotaFiscal>;
}

export function fiscalHttp(ds: Downstream, retry?: RetryOptions): FiscalPort {
  return {
    async emitir(input) {
      const r = await chamar(ds, { method: 'POST', url: '/internal/v1/notas', data: EmitirNota.parse(input) }, retry);
      if ('cliente' in r) throw semResposta(ds.name, r.cliente);
      return conforme(ds.name, NotaFiscal, r.ok.data);
    },
  };
}
