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

/**
 * catalogo's answer checked against the contract, outside the call's try: an answer that breaks it is a 502
 * (catalogo is up but wrong: retrying soon will not help), not the 503 of an unavailable service.
 */
function conforme(data: unknown): Reserva {
  const r = Reserva.safeParse(data);
  if (r.success) return r.data;
  const onde = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new AppError(502, 'bad_gateway', `catalogo answered outside its reservation contract: ${onde}`);
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
    let data: unknown;
    try {
      data = (await this.catalogo.request({ method: 'POST', url: '/internal/v1/reservas', data: { referencia: referencia(pedidoId), itens } })).data;
    } catch (err) {
      const status = responseStatus(err);
      if (status === 404 || status === 409) {
        const body = ((err as { response?: { data?: unknown } }).response?.data ?? {}) as { code?: string; message?: string; details?: unknown };
        return { ok: false, status, code: body.code ?? (status === 404 ? 'not_found' : 'conflict'), message: body.message ?? `catalogo answered ${status}`, details: body.details };
      }
      throw this.falha(err);
    }
    return { ok: true, reserva: conforme(data) };
  }

  /** Releases the reservation (idempotent at catalogo); undefined when catalogo has none under this referencia. */
  async liberar(pedidoId: number): Promise<Reserva | undefined> {
    let data: unknown;
    try {
      data = (await this.catalogo.request({ method: 'DELETE', url: `/internal/v1/reservas/${referencia(pedidoId)}` })).data;
    } catch (err) {
      if (responseStatus(err) === 404) return undefined;
      throw this.falha(err);
    }
    return conforme(data);
  }

  private falha(err: unknown): AppError {
    const indisponivel = this.catalogo.unavailable(err);
    if (indisponivel) return indisponivel;
    // Another 4xx means estoque sent something catalogo's contract refuses: our bug, not the caller's.
    return new AppError(502, 'bad_gateway', `catalogo refused the reservation request (${responseStatus(err) ?? 'no status'})`);
  }
}
