/**
 * Shipments: created aguardando_envio with a UPU S10 tracking code, then despacho (-> enviado) and entrega
 * (-> entregue). Every step is idempotent by pedido_id: repeating one that already happened returns the
 * shipment as it is; a step out of order (entrega before despacho) is a 409.
 */
import type { CriarEnvio, Envio } from '@brigadeiro/contracts';
import { ConflictError, NotFoundError, ValidationError } from '@brigadeiro/errors';
import { isValidNfeAccessKey, s10TrackingCode } from '@brigadeiro/documentos';
import type { EnviosRepository } from '../data/envios.repository';

const ORDEM: Record<Envio['status'], number> = { aguardando_envio: 0, enviado: 1, entregue: 2 };

export class Envios {
  constructor(
    private readonly repo: EnviosRepository,
    /** S10 service indicator, e.g. "BG". */
    private readonly prefixo: string,
  ) {}

  async criar(pedido: CriarEnvio): Promise<{ criado: boolean; envio: Envio }> {
    if (!isValidNfeAccessKey(pedido.nota_fiscal_chave)) {
      await this.repo.registrar({ pedido_id: pedido.pedido_id, operacao: 'criar', resultado: 'recusado', detalhe: { motivo: 'chave NF-e invalida' } });
      throw new ValidationError('invalid request body: body.nota_fiscal_chave: not a valid NF-e access key (UF, month or check digit)', [
        { field: 'body.nota_fiscal_chave', message: 'not a valid NF-e access key (UF, month or check digit)' },
      ]);
    }
    const existente = await this.repo.buscar(pedido.pedido_id);
    let resultado: { criado: boolean; envio: Envio };
    if (existente) {
      resultado = { criado: false, envio: existente };
    } else {
      const id = await this.repo.proximoId();
      // The serial has 8 digits: wrap rather than fail after 99,999,999 shipments (the code stays UNIQUE in the table).
      const codigo = s10TrackingCode(this.prefixo, id % 100_000_000);
      resultado = await this.repo.inserirSeNovo({ id, pedido_id: pedido.pedido_id, nota_fiscal_chave: pedido.nota_fiscal_chave, codigo_rastreamento: codigo });
    }
    await this.repo.registrar({
      pedido_id: pedido.pedido_id,
      operacao: 'criar',
      resultado: resultado.criado ? 'criado' : 'repetido',
      detalhe: { codigo_rastreamento: resultado.envio.codigo_rastreamento },
    });
    return resultado;
  }

  despachar(pedidoId: number): Promise<Envio> {
    return this.transitar(pedidoId, 'despachar', 'aguardando_envio', 'enviado');
  }

  entregar(pedidoId: number): Promise<Envio> {
    return this.transitar(pedidoId, 'entregar', 'enviado', 'entregue');
  }

  private async transitar(pedidoId: number, operacao: string, de: Envio['status'], para: 'enviado' | 'entregue'): Promise<Envio> {
    const movido = await this.repo.transitar(pedidoId, de, para);
    if (movido) {
      await this.repo.registrar({ pedido_id: pedidoId, operacao, resultado: para });
      return movido;
    }
    const atual = await this.repo.buscar(pedidoId);
    if (!atual) {
      await this.repo.registrar({ pedido_id: pedidoId, operacao, resultado: 'inexistente' });
      throw new NotFoundError(`order ${pedidoId} has no shipment`);
    }
    if (ORDEM[atual.status] >= ORDEM[para]) {
      await this.repo.registrar({ pedido_id: pedidoId, operacao, resultado: `repetido_${atual.status}` });
      return atual;
    }
    await this.repo.registrar({ pedido_id: pedidoId, operacao, resultado: 'transicao_invalida', detalhe: { status: atual.status } });
    throw new ConflictError('invalid_transition', `shipment of order ${pedidoId} is ${atual.status}: it cannot become ${para} before being ${de}`, {
      status: atual.status,
      requer: de,
    });
  }
}
