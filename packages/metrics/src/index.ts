/**
 * Metrics: one prom-client registry per service with the process metrics, a request-duration histogram
 * labelled by route template and status, and a circuit-breaker state gauge. Services add their own
 * counters to `registry` (e.g. catalogo's reads by the node that served them).
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** 0 closed, 1 half-open, 2 open; labelled by breaker name. */
  breakerState: Gauge<'breaker'>;
  breakerEvents: Counter<'breaker' | 'event'>;
}

export const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

/** Creates the registry. Default labels: {service, instance}. */
export function createMetrics(opts: { service: string; instance?: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service, instance: opts.instance ?? opts.service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'],
      registers: [registry],
    }),
    breakerEvents: new Counter({
      name: 'circuit_breaker_events_total',
      help: 'Circuit breaker events (success, failure, timeout, reject, open, halfOpen, close, fallback)',
      labelNames: ['breaker', 'event'],
      registers: [registry],
    }),
  };
}

/** Times every request; the route label is the matched template (e.g. /api/v1/produtos/:id), never the raw URL. */
export function httpMetricsMiddleware(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path !== undefined ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
