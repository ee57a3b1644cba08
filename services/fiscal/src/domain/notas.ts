/**
 * Issuing the nota fiscal: a sequential number, series from config and a 44-digit NF-e access key with a
 * correct mod-11 check digit. Idempotent by pedido_id: a repeat returns the nota already issued.
 */
import { randomInt } from 'node:crypto';
import type { EmitirNota, NotaFiscal } from '@brigadeiro/contracts';
import { nfeAccessKey, type Uf } from '@brigadeiro/documentos';
import type { NotasRepository } from '../data/notas.repository';

export interface Emitente {
  uf: Uf;
  cnpj: string;
  serie: number;
}

export class Notas {
  constructor(
    private readonly repo: NotasRepository,
    private readonly emitente: Emitente,
  ) {}

  /** `criada` is false for a repeat (HTTP 200 instead of 201). */
  async emitir(pedido: EmitirNota): Promise<{ criada: boolean; nota: NotaFiscal }> {
    const existente = await this.repo.buscar(pedido.pedido_id);
    let resultado: { criada: boolean; nota: NotaFiscal };
    if (existente) {
      resultado = { criada: false, nota: existente };
    } else {
      const numero = await this.repo.proximoNumero();
      const emitidaEm = new Date();
      const chave = nfeAccessKey({
        uf: this.emitente.uf,
        emitidaEm,
        cnpj: this.emitente.cnpj,
        serie: this.emitente.serie,
        numero,
        codigoNumerico: randomInt(0, 100_000_000),
      });
      resultado = await this.repo.inserirSeNova({ pedido_id: pedido.pedido_id, numero, serie: this.emitente.serie, chave_acesso: chave, valor: pedido.valor, emitida_em: emitidaEm });
    }
    const { criada, nota } = resultado;
    await this.repo.registrar({
      pedido_id: pedido.pedido_id,
      operacao: 'emitir',
      resultado: criada ? 'emitida' : 'repetida',
      detalhe: { numero: nota.numero, chave_acesso: nota.chave_acesso, valor: pedido.valor, ...(nota.valor !== pedido.valor ? { diverge_do_original: true } : {}) },
    });
    return resultado;
  }
}
