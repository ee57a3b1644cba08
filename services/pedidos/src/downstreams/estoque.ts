/** estoque's operations for the checkout: separate the items (reserving stock in catalogo) and release them. */
import type { z } from 'zod';
import { EstoqueInsuficiente, Separacao, SepararItens } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

/** One product short of stock, as the contract's 409 insufficient_stock details carry it. */
export type Falta = z.infer<typeof EstoqueInsuficiente>;

export type ResultadoSeparacao = { separado: true; separacao: Separacao } | { separado: false; motivo: string; faltas: Falta[] };

export interface EstoquePort {
  separar(input: SepararItens): Promise<ResultadoSeparacao>;
  /** Releases the order's separation; `existia: false` when estoque has none for it. */
  liberar(pedidoId: number): Promise<{ existia: boolean }>;
}

function faltasDe(details: unknown): Falta[] {
  const lista = Array.isArray(details) ? details : details ? [details] : [];
  return lista.flatMap((d) => {
    const r = EstoqueInsuficiente.safeParse(d);
    return r.success ? [r.data] : [];
  });
}

export function estoqueHttp(ds: Downstream, retry?: RetryOptions): EstoquePort {
  return {
    async separar(input) {
      const r = await chamar(ds, { method: 'POST', url: '/internal/v1/separacoes', data: SepararItens.parse(input) }, retry);
      if ('cliente' in r) {
        const body = r.cliente.body as { code?: string; message?: string; details?: unknown } | undefined;
        if (r.cliente.status === 409) return { separado: false, motivo: body?.message ?? 'insufficient stock', faltas: faltasDe(body?.details) };
        throw semResposta(ds.name, r.cliente);
      }
      return { separado: true, separacao: conforme(ds.name, Separacao, r.ok.data) };
    },
    async liberar(pedidoId) {
      const r = await chamar(ds, { method: 'POST', url: `/internal/v1/separacoes/${pedidoId}/liberacao` }, retry);
      if ('cliente' in r) {
        if (r.cliente.status === 404) return { existia: false };
        throw semResposta(ds.name, r.cliente);
      }
      conforme(ds.name, Separacao, r.ok.data);
      return { existia: true };
    },
  };
}
