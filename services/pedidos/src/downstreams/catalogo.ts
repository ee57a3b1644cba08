/** catalogo, read for the authoritative name and price of each product at checkout. */
import { z } from 'zod';
import { Dinheiro } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

const ProdutoPublico = z.object({ id: z.number().int(), nome: z.string(), preco: Dinheiro });
export type ProdutoPreco = z.infer<typeof ProdutoPublico>;

export interface CatalogoPort {
  /** The active product, or null when catalogo does not know it (or it is no longer sold). */
  produto(id: number): Promise<ProdutoPreco | null>;
}

export function catalogoHttp(ds: Downstream, retry?: RetryOptions): CatalogoPort {
  return {
    async produto(id) {
      const r = await chamar(ds, { method: 'GET', url: `/api/v1/produtos/${id}` }, retry);
      if ('cliente' in r) {
        if (r.cliente.status === 404) return null;
        throw semResposta(ds.name, r.cliente);
      }
      return conforme(ds.name, ProdutoPublico, r.ok.data);
    },
  };
}
