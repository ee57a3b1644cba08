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

  /**
   * `criada` is false for a repeat (HTTP 200 instead of 201). The repository logs each emission (emitir:
   * emitida or repetida) in the statement that reads or stores the nota.
   */
  async emitir(pedido: EmitirNota): Promise<{ criada: boolean; nota: NotaFiscal }> {
    const achado = await this.repo.existenteOuNumero(pedido);
    if ('nota' in achado) return { criada: false, nota: achado.nota };
    const emitidaEm = new Date();
    const chave = nfeAccessKey({
      uf: this.emitente.uf,
      emitidaEm,
      cnpj: this.emitente.cnpj,
      serie: this.emitente.serie,
      numero: achado.numero,
      codigoNumerico: randomInt(0, 100_000_000),
    });
    return this.repo.inserirSeNova({ pedido_id: pedido.pedido_id, numero: achado.numero, serie: this.emitente.serie, chave_acesso: chave, valor: pedido.valor, emitida_em: emitidaEm });
  }
}
