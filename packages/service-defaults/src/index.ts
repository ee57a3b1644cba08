/**
 * Service defaults: what every Brigadeiro service gets by default, so each service's wiring stays short.
 * `createServiceApp` builds an Express 5 app with, in order: request id (X-Request-Id in and out, kept in
 * the logging context), request metrics, JSON body parsing with a size limit, GET /health (alive),
 * GET /ready (each named readiness check passes, with a timeout), GET /metrics (Prometheus text), then
 * the service's own routes, then one 404 and one error handler. `startServer` listens and returns a
 * `shutdown()` that stops accepting, finishes in-flight requests, runs the closers and resolves.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import { errorHandler, notFoundHandler, UnauthorizedError } from '@brigadeiro/errors';
import { DEADLINE_HEADER, parseBudgetMs, runWithContext, type Logger } from '@brigadeiro/logger';
import { httpMetricsMiddleware, type Metrics } from '@brigadeiro/metrics';

export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceDefaults {
  service: string;
  logger: Logger;
  metrics: Metrics;
  /** Named checks of the service's own dependencies; /ready is 200 only when all pass. */
  readiness?: Record<string, ReadinessCheck>;
  /** Default 64 KiB. */
  bodyLimitBytes?: number;
  /** Default 1000 ms per check. */
  readinessTimeoutMs?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    const budget = parseBudgetMs(req.get(DEADLINE_HEADER));
    runWithContext({ requestId: id, ...(budget === undefined ? {} : { deadline: Date.now() + budget }) }, () => next());
  };
}

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug';
      logger[level]({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Builds the app; `mount` adds the service's own routes between the defaults and the error handlers. */
export function createServiceApp(opts: ServiceDefaults, mount: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId());
  app.use(httpMetricsMiddleware(opts.metrics));
  app.use(requestLog(opts.logger));
  app.use(express.json({ limit: opts.bodyLimitBytes ?? 64 * 1024 }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: opts.service });
  });
  app.get('/ready', async (_req, res) => {
    const checks = Object.entries(opts.readiness ?? {});
    const results = await Promise.all(
      checks.map(async ([name, check]) => {
        try {
          await withTimeout(check(), opts.readinessTimeoutMs ?? 1000, name);
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r.ok);
    res.status(ready ? 200 : 503);
    if (!ready) res.set('Retry-After', '1');
    res.json({ status: ready ? 'ready' : 'not_ready', service: opts.service, checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });

  mount(app);

  app.use(notFoundHandler);
  app.use(errorHandler(opts.logger));
  return app;
}

/**
 * Guards admin-only routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. Both sides are
 * hashed first, so the comparison takes the same time whatever the length of what was sent (a plain
 * timingSafeEqual needs equal lengths, and refusing early on length would tell the token's length).
 */
export function requireAdmin(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const given = createHash('sha256').update(header.startsWith('Bearer ') ? header.slice(7) : '').digest();
    const ok = timingSafeEqual(given, expected);
    next(ok ? undefined : new UnauthorizedError());
  };
}

export interface RunningServer {
  server: http.Server;
  port: number;
  /** Stops accepting, waits for in-flight requests (at most timeoutMs), then runs the closers in order. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free one). Keep-alive outlives nginx's upstream keepalive so the
 * gateway never reuses a socket the service just closed.
 */
export function startServer(
  app: Express,
  opts: { host: string; port: number; logger: Logger; closers?: (() => Promise<unknown>)[]; timeoutMs?: number },
): Promise<RunningServer> {
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      opts.logger.info({ reason }, 'shutting down: finishing in-flight requests');
      const force = setTimeout(() => server.closeAllConnections(), opts.timeoutMs ?? 10_000);
      force.unref();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(force);
      for (const close of opts.closers ?? []) {
        try {
          await close();
        } catch (err) {
          opts.logger.warn({ err }, 'a closer failed during shutdown');
        }
      }
      opts.logger.info('stopped');
    })();
    return closing;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      opts.logger.info({ host: opts.host, port }, 'listening');
      resolve({ server, port, shutdown });
    });
  });
}

/** main.ts mechanics: config-error exit, start-failure exit, signal -> drain -> exit (see ./lifecycle.ts). */
export { exitOnStartFailure, loadConfigOrExit, type ProcessLike, shutdownOnSignal, type ShutdownOnSignalOptions } from './lifecycle';
