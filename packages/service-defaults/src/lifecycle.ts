/**
 * The mechanics every service's main.ts repeats around its own wiring: leave with a clear one-line message on
 * a bad configuration or a failed start, and turn a signal into a drain-then-exit with a forced-exit timer.
 * main.ts still reads process.env, listens and registers the process.on handlers itself (STYLE.md): these
 * functions only say what happens then.
 */
import { ConfigError } from '@brigadeiro/config';
import type { RunningServer } from './index';

/** Where the functions below write and how they leave: the real process unless a test passes its own. */
export interface ProcessLike {
  exit(code: number): never;
  stderr: { write(text: string): unknown };
}

/**
 * `load()` (the service's loadConfig(process.env)); on a ConfigError writes "<service>: <message>" to stderr
 * and exits 1, no stack trace. Any other error propagates (a bug, not a configuration mistake).
 */
export function loadConfigOrExit<C>(service: string, load: () => C, proc: ProcessLike = process): C {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    proc.stderr.write(`${service}: ${err.message}\n`);
    return proc.exit(1);
  }
}

/** The rejection handler of main(): writes "<service>: failed to start: <message>" and exits 1. */
export function exitOnStartFailure(service: string, proc: ProcessLike = process): (err: unknown) => never {
  return (err) => {
    proc.stderr.write(`${service}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    return proc.exit(1);
  };
}

export interface ShutdownOnSignalOptions {
  /** The drain timeout given to startServer (ms); the forced exit comes `graceMs` after it. */
  timeoutMs: number;
  /** Extra time for the closers before the process is forced out with code 1 (ms). Default 5 000. */
  graceMs?: number;
  /** Runs first, e.g. releasing requests held by an injected hang so the drain need not wait for them. */
  beforeDrain?: () => void;
}

/**
 * A signal handler for `process.once('SIGTERM' | 'SIGINT', ...)`: arms an unref()'d forced exit (code 1)
 * at timeoutMs + graceMs, so a closer that hangs cannot keep the process alive, runs `beforeDrain`, then
 * `server.shutdown(signal)` (drain, closers) and exits 0.
 */
export function shutdownOnSignal(server: Pick<RunningServer, 'shutdown'>, opts: ShutdownOnSignalOptions, proc: Pick<ProcessLike, 'exit'> = process): (signal: NodeJS.Signals) => void {
  return (signal) => {
    setTimeout(() => proc.exit(1), opts.timeoutMs + (opts.graceMs ?? 5_000)).unref();
    opts.beforeDrain?.();
    void server.shutdown(signal).then(() => proc.exit(0));
  };
}
