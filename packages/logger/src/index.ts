/**
 * Logging: pino JSON lines, each carrying the id of the request being served (kept in
 * AsyncLocalStorage, so no function has to pass it along). The same context gives the id to forward
 * downstream as X-Request-Id, and the request's deadline: the time by which its caller stops waiting,
 * received and forwarded as X-Request-Timeout-Ms (the budget left, in ms, as gRPC's grpc-timeout), so every
 * hop bounds its own waits (database retries, downstream calls) by the one deadline of the whole chain.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface RequestContext {
  requestId: string;
  /** When the caller stops waiting (ms since epoch); undefined: no deadline, each wait uses its own bound. */
  deadline?: number;
}

/** The header that carries a request's remaining budget in ms between services. */
export const DEADLINE_HEADER = 'X-Request-Timeout-Ms';

/**
 * What a hop keeps of its budget for the answer to travel back (ms): a callee is told this much less than its
 * caller waits, and stops its own retries this much before its deadline, so it answers before anyone gives up.
 */
export const DEADLINE_MARGIN_MS = 150;

/** Parses DEADLINE_HEADER's value: whole ms from 1 to 10 minutes, else undefined (ignored, never an error). */
export function parseBudgetMs(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,6}$/.test(value)) return undefined;
  const ms = Number(value);
  return ms >= 1 && ms <= 600_000 ? ms : undefined;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `ctx` as the current request context. */
export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Ms left before the current request's deadline (may be <= 0: already passed); undefined without one. */
export function remainingMs(): number | undefined {
  const d = storage.getStore()?.deadline;
  return d === undefined ? undefined : d - Date.now();
}

/** Brings the current request's deadline to at most `ms` from now (a caller's shorter deadline is kept). */
export function limitDeadline(ms: number): void {
  const ctx = storage.getStore();
  if (!ctx) return;
  const d = Date.now() + ms;
  if (ctx.deadline === undefined || d < ctx.deadline) ctx.deadline = d;
}

/**
 * A pino logger for one service. Defaults: level "info", base fields {service, instance}; every line
 * written inside a request gets `request_id`.
 */
export function createLogger(opts: {
  service: string;
  instance?: string;
  level?: string;
  /** Where lines go; stdout by default. */
  destination?: pino.DestinationStream;
}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: opts.service, instance: opts.instance ?? opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const id = currentRequestId();
      return id ? { request_id: id } : {};
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
