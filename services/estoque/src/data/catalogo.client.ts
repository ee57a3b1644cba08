/**
 * catalogo's stock reservations over HTTP, through one Downstream (axios keep-alive + opossum breaker).
 * Transport only: the domain sees typed outcomes, never axios. The breaker's state is on /metrics
 * (circuit_breaker_state{breaker="catalogo"}).
 */
import { Reserva, type ItemQuantidade } from '@brigadeiro/contracts';
import type { Downstream } from '@brigadeiro/http-client';
import { responseStatus } from '@brigadeiro/http-client';
import { AppError } from '@brigadeiro/errors';

export type ResultadoReserva =
  | { ok: true; reserva: Reserva }
  | { ok: false; status: 404 | 409; code: string; message: string; details: unknown };

/** The reference estoque reserves under: one per order, so a retry finds the same reservation. */
export function referencia(pedidoId: number): string {
  return `pedido-${pedidoId}`;
}

export class CatalogoReservas {
  constructor(private readonly catalogo: Downstream) {}

  /**
   * Reserves every item atomically (all or nothing) at catalogo. Idempotent by referencia: a timeout leaves
   * the outcome unknown (catalogo may have committed), and asking again with the same referencia either
   * reserves now or returns the reservation already made, so retrying is always safe and never takes the
   * stock twice. Throws a 503 (Retry-After) when catalogo is unavailable or its breaker is open.
   */
  async reservar(pedidoId: number, itens: ItemQuantidade[]): Promise<ResultadoReserva> {
    try {
      const res = await this.catalogo.request({ method: 'POST', url: '/internal/v1/reservas', data: { referencia: referencia(pedidoId), itens } });
      return { ok: true, reserva: Reserva.parse(res.data) };
    } catch (err) {
      const status = responseStatus(err);
      if (status === 404 || status === 409) {
        const body = ((err as { response?: { data?: unknown } }).response?.data ?? {}) as { code?: string; message?: string; details?: unknown };
        return { ok: false, status, code: body.code ?? (status === 404 ? 'not_found' : 'conflict'), message: body.message ?? `catalogo answered ${status}`, details: body.details };
      }
      throw this.falha(err);
    }
  }

  /** Releases the reservation (idempotent at catalogo); undefined when catalogo has none under this referencia. */
  async liberar(pedidoId: number): Promise<Reserva | undefined> {
    try {
      const res = await this.catalogo.request({ method: 'DELETE', url: `/internal/v1/reservas/${referencia(pedidoId)}` });
      return Reserva.parse(res.data);
    } catch (err) {
      if (responseStatus(err) === 404) return undefined;
      throw this.falha(err);
    }
  }

  private falha(err: unknown): AppError {
    const indisponivel = this.catalogo.unavailable(err);
    if (indisponivel) return indisponivel;
    // Another 4xx means estoque sent something catalogo's contract refuses: our bug, not the caller's.
    return new AppError(502, 'bad_gateway', `catalogo refused the reservation request (${responseStatus(err) ?? 'no status'})`);
  }
}
