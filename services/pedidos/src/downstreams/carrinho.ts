/** carrinho, read at checkout and emptied once the order is secured. */
import { z } from 'zod';
import type { Downstream } from '@brigadeiro/http-client';
import { chamar, conforme, semResposta, type RetryOptions } from './http';

const CarrinhoPublico = z.object({
  id: z.string(),
  itens: z.array(z.object({ produto_id: z.number().int().positive(), quantidade: z.number().int().positive(), verificado: z.boolean() })),
});
export type CarrinhoLido = z.infer<typeof CarrinhoPublico>;

export type LeituraCarrinho = { ok: true; carrinho: CarrinhoLido } | { ok: false; motivo: 'nao_encontrado' | 'id_invalido'; mensagem: string };

export interface CarrinhoPort {
  ler(id: string): Promise<LeituraCarrinho>;
  /** Deletes the cart; true when it existed. */
  esvaziar(id: string): Promise<boolean>;
}

export function carrinhoHttp(ds: Downstream, retry?: RetryOptions): CarrinhoPort {
  return {
    async ler(id) {
      const r = await chamar(ds, { method: 'GET', url: `/api/v1/carrinhos/${encodeURIComponent(id)}` }, retry);
      if ('cliente' in r) {
        const body = r.cliente.body as { message?: string } | undefined;
        if (r.cliente.status === 404) return { ok: false, motivo: 'nao_encontrado', mensagem: body?.message ?? 'cart not found' };
        if (r.cliente.status === 400) return { ok: false, motivo: 'id_invalido', mensagem: body?.message ?? 'invalid cart id' };
        throw semResposta(ds.name, r.cliente);
      }
      return { ok: true, carrinho: conforme(ds.name, CarrinhoPublico, r.ok.data) };
    },
    async esvaziar(id) {
      const r = await chamar(ds, { method: 'DELETE', url: `/api/v1/carrinhos/${encodeURIComponent(id)}` }, retry);
      if ('cliente' in r) {
        if (r.cliente.status === 404) return false;
        throw semResposta(ds.name, r.cliente);
      }
      return true;
    },
  };
}
