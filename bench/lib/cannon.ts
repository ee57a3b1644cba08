/**
 * autocannon, used programmatically for requests ab cannot make well (a POST whose path changes per
 * request: cart items spread over many carts). Bounded by duration AND amount. Latencies are recorded
 * per response and the percentiles computed exactly (autocannon's own histogram has no P95).
 */
import autocannon from 'autocannon';
import { percentile } from './percentiles';
import { round } from './stats';

export interface CannonRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
}

export interface CannonOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  connections: number;
  seconds: number;
  /** Upper bound in requests (the run stops at whichever of `seconds` and `amount` comes first). */
  amount: number;
  /** Produces the i-th request (i counts from 0 across all connections); none means GET url. */
  next?: (i: number) => CannonRequest;
}

export interface CannonResult {
  command: string;
  rps: number;
  requests: number;
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  seconds: number;
  successPct: number;
  /** How many answers each status got (e.g. {"201": 980, "429": 20}). */
  statuses: Record<string, number>;
}

export async function runCannon(o: CannonOptions): Promise<CannonResult> {
  let i = 0;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const next = o.next;
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    // Not autocannon's `amount`: when set, it IGNORES duration (a run meant to last 5 s lasts as long as
    // the server needs for `amount` requests). maxOverallRequests bounds the count and keeps the timer.
    duration: o.seconds,
    maxOverallRequests: Math.max(o.amount, o.connections),
    timeout: 10,
    requests: next
      ? [
          {
            setupRequest: (req) => {
              const r = next(i++);
              return { ...req, method: r.method, path: r.path, body: r.body, headers: { ...req.headers, 'content-type': 'application/json' } };
            },
          },
        ]
      : undefined,
  });
  const started = Date.now();
  let lastAnswer = started;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    lastAnswer = Date.now();
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  const total = ok + result.non2xx + result.errors;
  // From the start to the last answer: autocannon notices the end of a count-bounded run only at its
  // next 1 s tick, and that idle tail is not throughput.
  const seconds = Math.max(0.001, (lastAnswer - started) / 1000);
  const mean = latencies.length ? latencies.reduce((s, x) => s + x, 0) / latencies.length : NaN;
  return {
    command: `autocannon -c ${o.connections} -d ${o.seconds} -a ${o.amount} ${o.url}${next ? ' (programmatic; paths and bodies from bench/scenarios)' : ''}`,
    // Completed requests over the measured time (autocannon's requests.average averages per-second
    // samples, which undercounts short runs).
    rps: seconds > 0 ? total / seconds : NaN,
    requests: total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    meanMs: mean,
    p50: round(percentile(latencies, 50), 3),
    p95: round(percentile(latencies, 95), 3),
    p99: round(percentile(latencies, 99), 3),
    max: latencies.length ? round(latencies[latencies.length - 1] as number, 3) : NaN,
    seconds,
    successPct: total > 0 ? (ok / total) * 100 : 0,
    statuses,
  };
}
