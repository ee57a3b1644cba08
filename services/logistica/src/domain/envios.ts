/**
 * Shipments: created aguardando_envio with a UPU S10 tracking code, then despacho (-> enviado) and entrega
 * (-> entregue). Every step is idempotent by pedido_id: repeating one that already happened returns the
 * shipment as it is; a step out of order (entrega before despacho) is a 409. A creation that asks
 * `despachar` is both steps in one call: a new shipment is stored already enviado (one statement, both log
 * rows); a repeat that finds it aguardando_envio dispatches it, as the despacho call would.
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

  /** `criado` is false on a repeat (HTTP 200), logged as such. Throws 400 for an invalid NF-e key. */
  async criar(pedido: CriarEnvio): Promise<{ criado: boolean; envio: Envio }> {
    if (!isValidNfeAccessKey(pedido.nota_fiscal_chave)) {
      await this.repo.registrar({ pedido_id: pedido.pedido_id, operacao: 'criar', resultado: 'recusado', detalhe: { motivo: 'chave NF-e invalida' } });
      throw new ValidationError('invalid request body: body.nota_fiscal_chave: not a valid NF-e access key (UF, month or check digit)', [
        { field: 'body.nota_fiscal_chave', message: 'not a valid NF-e access key (UF, month or check digit)' },
      ]);
    }
    const achado = await this.repo.repetidoOuProximoId(pedido.pedido_id);
    if ('envio' in achado) return { criado: false, envio: await this.despacharSePedido(pedido, achado.envio) };
    // The serial has 8 digits: wrap rather than fail after 99,999,999 shipments (the code stays UNIQUE in the table).
    const codigo = s10TrackingCode(this.prefixo, achado.id % 100_000_000);
    const linha = { id: achado.id, pedido_id: pedido.pedido_id, nota_fiscal_chave: pedido.nota_fiscal_chave, codigo_rastreamento: codigo };
    const registro = { operacao: 'criar', resultado: 'criado', detalhe: { codigo_rastreamento: codigo } };
    const novo = pedido.despachar
      ? await this.repo.inserirDespachadoSeNovo(linha, registro, { operacao: 'despachar', resultado: 'enviado' })
      : await this.repo.inserirSeNovo(linha, registro);
    if (novo) return { criado: true, envio: novo };
    // Stored meanwhile by a concurrent duplicate (or this is a retry whose first commit's answer was lost): the
    // stored shipment, logged as a repeat.
    const outro = await this.repo.repetidoOuProximoId(pedido.pedido_id);
    if (!('envio' in outro)) throw new Error(`shipment of order ${pedido.pedido_id} vanished after a conflicting insert`);
    return { criado: false, envio: await this.despacharSePedido(pedido, outro.envio) };
  }

  /** A repeated creation that asks `despachar` and finds the shipment not yet dispatched (created without it) dispatches it. */
  private despacharSePedido(pedido: CriarEnvio, envio: Envio): Promise<Envio> | Envio {
    return pedido.despachar && envio.status === 'aguardando_envio' ? this.despachar(pedido.pedido_id) : envio;
  }

  despachar(pedidoId: number): Promise<Envio> {
    return this.transitar(pedidoId, 'despachar', 'aguardando_envio', 'enviado');
  }

  entregar(pedidoId: number): Promise<Envio> {
    return this.transitar(pedidoId, 'entregar', 'enviado', 'entregue');
  }

  private async transitar(pedidoId: number, operacao: string, de: Envio['status'], para: 'enviado' | 'entregue'): Promise<Envio> {
    const movido = await this.repo.transitar(pedidoId, de, para, { operacao, resultado: para });
    if (movido) return movido;
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
