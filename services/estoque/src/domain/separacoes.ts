/**
 * Separation of an order's items: the stock is reserved at catalogo (which owns it, and does it atomically for
 * all items), then the separation is recorded here. Idempotent by pedido_id at both ends: catalogo's reservation
 * is keyed by "pedido-<id>", ours by pedido_id, so any retry (ours, or pedidos' after a timeout) is safe.
 */
import type { Separacao, SepararItens } from '@brigadeiro/contracts';
import { AppError, ConflictError, NotFoundError } from '@brigadeiro/errors';
import type { CatalogoReservas } from '../data/catalogo.client';
import type { Registro, SeparacoesRepository } from '../data/separacoes.repository';

export class Separacoes {
  constructor(
    private readonly repo: SeparacoesRepository,
    private readonly reservas: CatalogoReservas,
  ) {}

  /** `criada` is false on a repeat (HTTP 200). Throws 409 insufficient_stock (catalogo's details), 404 for an unknown product, 503 when catalogo is down. */
  async separar(pedido: SepararItens): Promise<{ criada: boolean; separacao: Separacao }> {
    const existente = await this.repo.repetida(pedido.pedido_id, 'separar');
    if (existente) return { criada: false, separacao: existente };
    let resultado;
    try {
      resultado = await this.reservas.reservar(pedido.pedido_id, pedido.itens);
    } catch (err) {
      await this.repo.registrar({ pedido_id: pedido.pedido_id, operacao: 'separar', resultado: 'catalogo_indisponivel', detalhe: { erro: (err as Error).message } });
      throw err;
    }
    if (!resultado.ok) {
      await this.repo.registrar({ pedido_id: pedido.pedido_id, operacao: 'separar', resultado: resultado.code, detalhe: resultado.details ?? null });
      throw resultado.status === 409
        ? new ConflictError(resultado.code, resultado.message, resultado.details)
        : new AppError(404, resultado.code, resultado.message, resultado.details);
    }
    if (resultado.reserva.status === 'liberada') {
      // catalogo already released this order's reservation (a compensation ran before this late retry): do not
      // pretend the stock is held.
      await this.repo.registrar({ pedido_id: pedido.pedido_id, operacao: 'separar', resultado: 'reserva_ja_liberada' });
      throw new ConflictError('reservation_released', `the stock reservation of order ${pedido.pedido_id} was already released`);
    }
    const detalhe = { itens: pedido.itens };
    const nova = await this.repo.inserirSeNova(pedido.pedido_id, resultado.reserva.itens, 'separado', { operacao: 'separar', resultado: 'separado', detalhe });
    if (nova) return { criada: true, separacao: nova };
    // Stored meanwhile by a concurrent duplicate, or by a release that ran in between (or this is a retry whose
    // first commit's answer was lost): the stored row, logged as a repeat.
    return { criada: false, separacao: guardada(pedido.pedido_id, await this.repo.repetida(pedido.pedido_id, 'separar', { detalhe })) };
  }

  /**
   * Releases the stock, once. Always asks catalogo (idempotent there), even without a local record: a separation
   * whose answer was lost (timeout after catalogo reserved) has a reservation but no row here, and a compensation
   * must still give that stock back. 404 only when neither side knows the order.
   */
  async liberar(pedidoId: number): Promise<Separacao> {
    const existente = await this.repo.repetida(pedidoId, 'liberar', { se: 'liberado' });
    if (existente?.status === 'liberado') return existente;
    let reserva;
    try {
      reserva = await this.reservas.liberar(pedidoId);
    } catch (err) {
      await this.repo.registrar({ pedido_id: pedidoId, operacao: 'liberar', resultado: 'catalogo_indisponivel', detalhe: { erro: (err as Error).message } });
      throw err;
    }
    if (existente) {
      // A separation's itens never change after its insert: the log names the ones read above.
      return (await this.repo.liberarSeSeparada(pedidoId, liberacao('liberado', existente.itens))) ?? this.liberadaPorOutro(pedidoId, 'liberado');
    }
    if (!reserva) {
      await this.repo.registrar({ pedido_id: pedidoId, operacao: 'liberar', resultado: 'inexistente' });
      throw new NotFoundError(`order ${pedidoId} has no separation`);
    }
    const resultado = 'liberado_sem_separacao_local';
    return (await this.repo.inserirSeNova(pedidoId, reserva.itens, 'liberado', liberacao(resultado, reserva.itens))) ?? this.liberadaPorOutro(pedidoId, resultado);
  }

  /** The release's change found the row already moved by a concurrent request: log this release against what is stored. */
  private async liberadaPorOutro(pedidoId: number, resultado: string): Promise<Separacao> {
    const atual = guardada(pedidoId, await this.repo.buscar(pedidoId));
    await this.repo.registrar({ pedido_id: pedidoId, ...liberacao(resultado, atual.itens) });
    return atual;
  }
}

function liberacao(resultado: string, itens: Separacao['itens']): Registro {
  return { operacao: 'liberar', resultado, detalhe: { itens } };
}

/** A row that a conflicting insert or a failed guarded update proved to exist (rows are never deleted). */
function guardada(pedidoId: number, s: Separacao | undefined): Separacao {
  if (!s) throw new Error(`separation of order ${pedidoId} vanished after a conflicting change`);
  return s;
}
