/**
 * Riding through a failover: retry database work whose error says "the database was unreachable, dropped
 * us, or is read-only while a replica is being promoted" (isRetryableDbError), with exponential backoff,
 * inside a bounded window. Patroni replaces a dead primary in about ttl + loop_wait seconds (5-6 s with the
 * stack's timing, infra/postgres/patroni.yml.tmpl), so the default 15 s window covers a failover with room
 * to spare and still ends: a caller never waits forever on a database that is really gone.
 *
 * Only retry what is safe to repeat: reads, idempotent writes (keyed by an idempotency key or a conditional
 * UPDATE), or, with `retryIf: failedBeforeSend`, a non-idempotent statement whose error proves it never ran.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DEADLINE_MARGIN_MS, remainingMs } from '@brigadeiro/logger';
import { isRetryableDbError } from './index';

export interface DbRetryOptions {
  /** Stop retrying once this much time has passed since the first attempt (ms). Default 15 000. */
  windowMs?: number;
  /** Delay before the first retry (ms); doubled (see `factor`) per attempt. Default 50. */
  initialDelayMs?: number;
  /**
   * Longest delay between attempts (ms). Default 250: once the new primary takes writes, a waiting caller
   * notices within a quarter of a second (with 1 000 the first checkout after a failover came ~0.7 s after
   * the write path was back); an attempt against a failing-over cluster costs a refused connection, nothing more.
   */
  maxDelayMs?: number;
  /** Backoff multiplier. Default 2. */
  factor?: number;
  /** Which errors are worth another attempt. Default isRetryableDbError. */
  retryIf?: (err: unknown) => boolean;
  /** Called before each wait (for a log line or a metric). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const DB_RETRY_DEFAULTS: Required<Omit<DbRetryOptions, 'onRetry' | 'retryIf'>> = {
  windowMs: 15_000,
  initialDelayMs: 50,
  maxDelayMs: 250,
  factor: 2,
};


/**
 * Runs `fn` (given the 1-based attempt number) and retries it while its error is retryable and the window
 * is open: delays 50, 100, 200, 250, 250... ms by default, with up to 20 % jitter so a pool's
 * worth of callers does not reconnect in lock-step. The last error is rethrown unchanged when the window
 * closes or an error is not retryable. Inside a request that carries a deadline (X-Request-Timeout-Ms), the
 * window is the time left before it, less DEADLINE_MARGIN_MS, longer or shorter than `windowMs`: a hop waits
 * out a failover for as long as its caller waits for it, and no longer.
 */
export async function withDbRetry<T>(fn: (attempt: number) => Promise<T>, opts: DbRetryOptions = {}): Promise<T> {
  const left = remainingMs();
  const windowMs = left === undefined ? (opts.windowMs ?? DB_RETRY_DEFAULTS.windowMs) : Math.max(0, left - DEADLINE_MARGIN_MS);
  const maxDelay = opts.maxDelayMs ?? DB_RETRY_DEFAULTS.maxDelayMs;
  const factor = opts.factor ?? DB_RETRY_DEFAULTS.factor;
  const retryIf = opts.retryIf ?? isRetryableDbError;
  const started = Date.now();
  let delay = opts.initialDelayMs ?? DB_RETRY_DEFAULTS.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const left = started + windowMs - Date.now();
      if (!retryIf(err) || left <= 0) throw err;
      const wait = Math.min(left, Math.round(delay * (0.8 + Math.random() * 0.2)));
      opts.onRetry?.(err, attempt, wait);
      await sleep(wait);
      delay = Math.min(maxDelay, delay * factor);
    }
  }
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

// Errors that prove the statement never ran: no connection was made, the server refused the session, or it
// rejected the statement as read-only (a replica, or a primary still being promoted) before executing it.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', '25006', '57P03', '08001', '08004', 'P1001']);
const NOT_SENT_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /cannot execute \w+ in a read-only transaction/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Can't reach database server/i,
  /connect ECONNREFUSED/i,
];

/**
 * True when `err` proves the statement was never executed (connection refused or timed out while
 * connecting, server starting/shutting down, 25006 read-only): the `retryIf` for NON-idempotent writes such
 * as a stock decrement. A reset or a "Connection terminated" mid-statement is NOT in this list: the
 * statement may have committed. Looks into `cause`, Prisma's `meta.driverAdapterError` and AggregateErrors
 * like isRetryableDbError does.
 */
export function failedBeforeSend(err: unknown, depth = 0): boolean {
  const e = asRecord(err);
  if (!e || depth > 5) return false;
  for (const key of ['code', 'originalCode', 'errorCode'] as const) {
    const code = e[key];
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  }
  if (e.kind === 'DatabaseNotReachable') return true;
  if (typeof e.message === 'string' && NOT_SENT_MESSAGES.some((re) => re.test(e.message as string))) return true;
  const meta = asRecord(e.meta);
  const nested: unknown[] = [e.cause, meta?.driverAdapterError, asRecord(meta?.driverAdapterError)?.cause];
  if (Array.isArray(e.errors)) nested.push(...e.errors);
  return nested.some((n) => n !== undefined && n !== err && failedBeforeSend(n, depth + 1));
}
