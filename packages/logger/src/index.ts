/**
 * Logging: pino JSON lines, each carrying the id of the request being served (kept in
 * AsyncLocalStorage, so no function has to pass it along). The same context gives the id to forward
 * downstream as X-Request-Id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface RequestContext {
  requestId: string;
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
