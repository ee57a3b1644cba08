/**
 * Fault injection, driven at runtime without restarts, so degradation can be shown on demand: added
 * latency, a share of requests answered 503, or a hang (requests never answered until reset).
 *
 *   const faults = createFaultState({ service: 'pagamentos', metrics });
 *   app.use('/internal', faultInjection(faults));          // only the service's business routes
 *   app.use(faultAdminRouter(faults, config.ADMIN_TOKEN)); // GET|PUT|DELETE /admin/falhas
 *   // on shutdown, before the server drains: faults.close() (answers every held request)
 *
 * The wire shape of the state is `Falhas` from @brigadeiro/contracts. An injected error is a 503
 * `{code: "injected_fault"}` with Retry-After, so callers treat it exactly like a real outage (it trips
 * their breakers). /health, /ready, /metrics and /admin are never affected.
 */
import { Router, type RequestHandler, type Response } from 'express';
import { Falhas } from '@brigadeiro/contracts';
import { parseInput, problemBody } from '@brigadeiro/errors';
import { currentRequestId, runWithContext, type Logger } from '@brigadeiro/logger';
import { Gauge, type Metrics } from '@brigadeiro/metrics';
import { requireAdmin } from '@brigadeiro/service-defaults';

export type FaultSettings = Falhas;

export const NO_FAULTS: FaultSettings = Object.freeze({ latencia_ms: 0, taxa_erro: 0, travar: false });

/** Retry-After (seconds) sent with an injected 503. */
const RETRY_AFTER_S = 1;

export interface FaultState {
  /** The current settings (a copy). */
  get(): FaultSettings;
  /** Replaces the settings; leaving hang mode answers the requests it was holding. */
  set(settings: FaultSettings): FaultSettings;
  /** Back to normal: no latency, no errors, held requests answered. */
  reset(): FaultSettings;
  /** Requests currently held by a hang or an added latency. */
  held(): number;
  /** Answers every held request (503) and stops holding new ones; call before the server drains. */
  close(): void;
  /**
   * Used by faultInjection: keeps `res` in the list of held requests. `release` runs on close(), and for a
   * hang also when hang mode ends; it is told why. Returns a function that takes it off the list.
   */
  hold(res: Response, kind: 'hang' | 'latency', release: (why: 'reset' | 'shutdown') => void): () => void;
  /** Math.random by default; tests may pass a deterministic one to createFaultState. */
  readonly random: () => number;
  readonly closed: boolean;
  readonly logger?: Logger;
}

export interface FaultStateOptions {
  service: string;
  /** Adds the gauge `injected_faults{falha="latencia_ms"|"taxa_erro"|"travar"|"requisicoes_retidas"}`. */
  metrics?: Metrics;
  logger?: Logger;
  /** Source of randomness for the error rate. Default Math.random. */
  random?: () => number;
}

function injectedFault(res: Response, message: string): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res
    .status(503)
    .set('Retry-After', String(RETRY_AFTER_S))
    .json(problemBody(503, 'injected_fault', message));
}

/** The fault settings of one service process (all zero at start). */
export function createFaultState(opts: FaultStateOptions): FaultState {
  let current: FaultSettings = { ...NO_FAULTS };
  let closed = false;
  const holding = new Map<Response, { kind: 'hang' | 'latency'; release: (why: 'reset' | 'shutdown') => void }>();

  const gauge = opts.metrics
    ? new Gauge({
        name: 'injected_faults',
        help: 'Fault injection in effect: latencia_ms (ms added), taxa_erro (0..1), travar (1 = hanging), requisicoes_retidas (requests held now)',
        labelNames: ['falha'],
        registers: [opts.metrics.registry],
        collect() {
          this.set({ falha: 'latencia_ms' }, current.latencia_ms);
          this.set({ falha: 'taxa_erro' }, current.taxa_erro);
          this.set({ falha: 'travar' }, current.travar ? 1 : 0);
          this.set({ falha: 'requisicoes_retidas' }, holding.size);
        },
      })
    : undefined;
  void gauge;

  const releaseAll = (why: 'reset' | 'shutdown') => {
    for (const [res, h] of [...holding]) {
      if (why === 'reset' && h.kind !== 'hang') continue;
      holding.delete(res);
      h.release(why);
    }
  };

  return {
    random: opts.random ?? Math.random,
    logger: opts.logger,
    get closed() {
      return closed;
    },
    get: () => ({ ...current }),
    set(settings) {
      const wasHanging = current.travar;
      current = { ...settings };
      opts.logger?.warn({ falhas: current }, 'fault injection changed');
      if (wasHanging && !current.travar) releaseAll('reset');
      return { ...current };
    },
    reset() {
      return this.set({ ...NO_FAULTS });
    },
    held: () => holding.size,
    close() {
      closed = true;
      current = { ...NO_FAULTS };
      releaseAll('shutdown');
    },
    hold(res, kind, release) {
      // The release runs later, outside the request's context: keep its id for the log and the error body.
      const requestId = currentRequestId();
      holding.set(res, { kind, release: (why) => (requestId ? runWithContext({ requestId }, () => release(why)) : release(why)) });
      const unhold = () => {
        holding.delete(res);
      };
      // A client that gives up (timeout, closed socket) must not stay in the list.
      res.once('close', unhold);
      return unhold;
    },
  };
}

/**
 * Middleware applying the current faults to every request it sees: hang (held until reset, then a 503),
 * else the added latency, then the error rate (503 injected_fault with Retry-After).
 */
export function faultInjection(state: FaultState): RequestHandler {
  return (_req, res, next) => {
    const f = state.get();
    if (state.closed || (!f.travar && f.latencia_ms === 0 && f.taxa_erro === 0)) return next();
    if (f.travar) {
      state.hold(res, 'hang', (why) =>
        injectedFault(res, why === 'reset' ? 'fault injection: this request was held (hang) and released by a reset' : 'fault injection: the service is shutting down'),
      );
      return;
    }
    const proceed = () => {
      if (res.destroyed || res.writableEnded) return; // the client already gave up
      if (f.taxa_erro > 0 && state.random() < f.taxa_erro) {
        injectedFault(res, `fault injection: error rate ${Math.round(f.taxa_erro * 100)}%`);
        return;
      }
      next();
    };
    if (f.latencia_ms === 0) return proceed();
    const timer = setTimeout(() => {
      unhold();
      proceed();
    }, f.latencia_ms);
    // On close() a delayed request is answered at once rather than keeping the shutdown waiting.
    const unhold = state.hold(res, 'latency', () => {
      clearTimeout(timer);
      injectedFault(res, 'fault injection: the service is shutting down');
    });
  };
}

/** GET (current), PUT (replace; body = Falhas, missing fields default to 0/false), DELETE (back to normal) /admin/falhas. */
export function faultAdminRouter(state: FaultState, adminToken: string): Router {
  const router = Router();
  router.use('/admin/falhas', requireAdmin(adminToken));
  router.get('/admin/falhas', (_req, res) => {
    res.json({ ...state.get(), requisicoes_retidas: state.held() });
  });
  router.put('/admin/falhas', (req, res) => {
    const settings = parseInput(Falhas, req.body ?? {}, 'body');
    state.set(settings);
    res.json({ ...state.get(), requisicoes_retidas: state.held() });
  });
  router.delete('/admin/falhas', (_req, res) => {
    state.reset();
    res.json({ ...state.get(), requisicoes_retidas: state.held() });
  });
  return router;
}

export * from './args';
