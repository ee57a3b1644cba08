/**
 * A closed loop of `workers` clients, each sending its next request when the previous one is answered, bounded
 * by `seconds` and by the number of work items: for throughput runs whose requests each consume something (a
 * checkout consumes a cart), which autocannon cannot express. Latency is per request, end to end.
 */
import { request } from './net';
import { percentile } from './percentiles';

export interface ClosedResult {
  requests: number;
  seconds: number;
  statuses: Record<string, number>;
  /** Answers counted as done (e.g. 201/202 and a declined 402), per second. */
  doneRps: number;
  done: number;
  errors: number;
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export async function runClosed<T>(o: {
  items: T[];
  workers: number;
  seconds: number;
  send: (item: T) => { url: string; method: string; body?: unknown; headers?: Record<string, string> };
  isDone: (status: number) => boolean;
  timeoutMs?: number;
}): Promise<ClosedResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let done = 0;
  const start = performance.now();
  const end = start + o.seconds * 1000;
  let last = start;
  await Promise.all(
    Array.from({ length: Math.min(o.workers, o.items.length) }, async () => {
      while (next < o.items.length && performance.now() < end) {
        const r = o.send(o.items[next++] as T);
        const t = performance.now();
        const status = await request(r.url, { method: r.method, body: r.body, headers: r.headers, timeoutMs: o.timeoutMs ?? 20_000 }).then(
          (a) => a.status,
          () => 0,
        );
        last = performance.now();
        latencies.push(last - t);
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        if (o.isDone(status)) done++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const seconds = Math.max(0.001, (last - start) / 1000);
  return {
    requests: latencies.length,
    seconds,
    statuses,
    doneRps: done / seconds,
    done,
    errors: latencies.length - done,
    meanMs: latencies.length ? latencies.reduce((s, x) => s + x, 0) / latencies.length : NaN,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.length ? (latencies[latencies.length - 1] as number) : NaN,
  };
}
