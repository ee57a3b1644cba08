/**
 * The worker that empties the durable queue (tarefas_pendentes): every `intervaloMs` it claims due tasks
 * (FOR UPDATE SKIP LOCKED, so several pedidos processes can run it side by side), runs each once through
 * the checkout, deletes it when done and otherwise pushes it back with exponential backoff (capped, with
 * jitter). The queue is in the database, so whatever a stopped pedidos left is finished by the next one.
 */
import type { Logger } from '@brigadeiro/logger';
import type { PedidosRepository } from '../data/pedidos-repository';
import type { Checkout } from './checkout';

export interface TrabalhadorOptions {
  /** Pause between polls when the queue had nothing due. Default 1000 ms. */
  intervaloMs?: number;
  /** First retry delay; doubles per attempt. Default 1000 ms. */
  backoffMs?: number;
  /** Longest retry delay. Default 60 000 ms. */
  backoffMaxMs?: number;
  /** Tasks claimed per poll. Default 10. */
  lote?: number;
  /** How long a claimed task is hidden from other workers (longer than one attempt can take). Default 60 000 ms. */
  leaseMs?: number;
}

/** Delay before attempt n+1 after n failed attempts: backoff * 2^(n-1), capped, +-20 % jitter. */
export function espera(tentativas: number, backoffMs: number, maxMs: number): number {
  const bruto = Math.min(maxMs, backoffMs * 2 ** Math.max(0, Math.min(30, tentativas - 1)));
  return bruto * (0.8 + Math.random() * 0.4);
}

export class Trabalhador {
  private readonly o: Required<TrabalhadorOptions>;
  private timer: NodeJS.Timeout | undefined;
  /** Polls in flight: stop() waits for all of them, including one left by a loop a restart replaced. */
  private readonly emCurso = new Set<Promise<void>>();
  private parado = true;
  /** Each start() begins a new loop; a poll of an older loop that ends later must not reschedule (two loops). */
  private geracao = 0;

  constructor(
    private readonly repo: PedidosRepository,
    private readonly checkout: Checkout,
    private readonly logger: Logger,
    opts: TrabalhadorOptions = {},
  ) {
    this.o = { intervaloMs: 1000, backoffMs: 1000, backoffMaxMs: 60_000, lote: 10, leaseMs: 60_000, ...opts };
  }

  start(): void {
    if (!this.parado) return;
    this.parado = false;
    this.agendar(0, ++this.geracao);
  }

  /** Stops polling and waits for the tasks in hand to finish (they are never cut in half). */
  async stop(): Promise<void> {
    this.parado = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.emCurso);
  }

  private agendar(ms: number, geracao: number): void {
    if (this.parado || geracao !== this.geracao) return;
    this.timer = setTimeout(() => {
      const poll = this.rodada()
        .then((n) => this.agendar(n === this.o.lote ? 0 : this.o.intervaloMs, geracao))
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'queue poll failed; trying again');
          this.agendar(this.o.intervaloMs, geracao);
        })
        .finally(() => this.emCurso.delete(poll));
      this.emCurso.add(poll);
    }, ms);
  }

  /** One poll: claims and runs the due tasks; returns how many it took. Exposed for tests. */
  async rodada(): Promise<number> {
    const tarefas = await this.repo.reivindicar(this.o.lote, this.o.leaseMs);
    // allSettled, not all: one task failing to be recorded must not settle the poll (and let stop() return and
    // main.ts close the pool) while the others are still running.
    const resultados = await Promise.allSettled(
      tarefas.map(async (t) => {
        const r = await this.checkout.executarTarefa(t);
        if (r.feito) {
          await this.repo.concluirTarefa(t.id, (r.seguintes ?? []).map((s) => ({ pedidoId: t.pedidoId, ...s })));
          this.logger.info({ pedido_id: t.pedidoId, etapa: t.etapa, tentativas: t.tentativas }, 'queued step done');
        } else {
          const ms = espera(t.tentativas, this.o.backoffMs, this.o.backoffMaxMs);
          await this.repo.adiarTarefa(t.id, ms, r.erro);
          this.logger.warn({ pedido_id: t.pedidoId, etapa: t.etapa, tentativas: t.tentativas, proxima_em_ms: Math.round(ms), err: r.erro }, 'queued step failed; will retry');
        }
      }),
    );
    const falha = resultados.find((r) => r.status === 'rejected');
    if (falha) throw falha.reason;
    return tarefas.length;
  }
}
