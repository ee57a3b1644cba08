/**
 * Where a request's time goes: each service's own http_request_duration_seconds (prom-client histogram on
 * /metrics, the service defaults record it) read before and after a run; the difference gives each hop's
 * requests and mean time during the run.
 */
import { serviceUrl, type ServiceName, type Topology } from '@brigadeiro/topology';
import { request } from './net';

type Snapshot = Map<string, { sum: number; count: number }>;

async function snapshot(t: Topology, name: ServiceName): Promise<Snapshot> {
  const out: Snapshot = new Map();
  const r = await request(`${serviceUrl(t, name)}/metrics`, { timeoutMs: 5000 }).catch(() => undefined);
  if (!r || r.status !== 200) return out;
  const re = /^http_request_duration_seconds_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/gm;
  for (const m of r.body.toString().matchAll(re)) {
    const labels = m[2] as string;
    const method = /method="([^"]*)"/.exec(labels)?.[1];
    const route = /route="([^"]*)"/.exec(labels)?.[1];
    if (!method || !route || route === '/metrics' || route === '/health' || route === '/ready' || route.startsWith('/admin')) continue;
    const key = `${name} ${method} ${route}`;
    const e = out.get(key) ?? { sum: 0, count: 0 };
    e[m[1] as 'sum' | 'count'] += Number(m[3]);
    out.set(key, e);
  }
  return out;
}

export interface Hop {
  hop: string;
  requests: number;
  meanMs: number;
}

export async function hopsSnapshot(t: Topology, names: ServiceName[]): Promise<Map<ServiceName, Snapshot>> {
  return new Map(await Promise.all(names.map(async (n) => [n, await snapshot(t, n)] as const)));
}

/** Hops with at least `minRequests` requests between the two snapshots, slowest mean first. */
export function hopsBetween(before: Map<ServiceName, Snapshot>, after: Map<ServiceName, Snapshot>, minRequests = 1): Hop[] {
  const hops: Hop[] = [];
  for (const [name, snap] of after) {
    for (const [key, v] of snap) {
      const b = before.get(name)?.get(key) ?? { sum: 0, count: 0 };
      const n = v.count - b.count;
      if (n >= minRequests) hops.push({ hop: key, requests: n, meanMs: ((v.sum - b.sum) / n) * 1000 });
    }
  }
  return hops.sort((a, b) => b.meanMs - a.meanMs);
}
