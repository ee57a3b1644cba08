/**
 * Open-model load: requests are fired on a fixed schedule (the i-th at start + i / rate), whatever the
 * server is doing, and each latency is measured from its INTENDED send time. A closed loop (ab, autocannon
 * without a rate) waits for an answer before sending the next request, so a slow server also slows the
 * load and the queueing delay never shows in the percentiles ("coordinated omission"); here it does.
 * (autocannon's overallRate paces its connections, but each connection still waits for its answer and
 * latencies are measured from the actual send, so it does not correct for it.)
 *
 * The client is node:http with one keep-alive agent. Requests beyond `maxInFlight` outstanding are not
 * sent: they are counted as "dropped" (the client, not the server, gave up) and as errors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import { percentile } from './percentiles';

export interface OpenRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Label for per-kind figures (e.g. "lista", "checkout"). */
  kind: string;
}

export interface Phase {
  label: string;
  /** Intended arrivals per second. */
  rate: number;
  seconds: number;
}

export interface Sample {
  /** Intended send time, ms from the run's start. */
  at: number;
  ms: number;
  status: number;
  kind: string;
  phase: number;
}

export interface OpenOptions {
  base: string;
  phases: Phase[];
  /** Produces the i-th request; may return undefined to skip it (counted as nothing). */
  next: (i: number) => OpenRequest | undefined;
  /** Called with each answer (e.g. to move a cart between pools). */
  onAnswer?: (req: OpenRequest, status: number, body: Buffer) => void;
  maxInFlight?: number;
  timeoutMs?: number;
  /** Progress, once a second. */
  tick?: (line: string) => void;
}

export interface PhaseFigures {
  label: string;
  rate: number;
  seconds: number;
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  dropped: number;
  /** 2xx answers per second over the phase. */
  throughput: number;
  errorPct: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  byKind: Record<string, { n: number; errors: number; p50: number; p95: number }>;
  statuses: Record<string, number>;
}

export interface OpenResult {
  phases: PhaseFigures[];
  /** One row per second: answers, errors and P95 of the answers whose intended time fell in it. */
  timeline: { second: number; rate: number; ok: number; errors: number; p95: number }[];
}


export async function runOpen(o: OpenOptions): Promise<OpenResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const maxInFlight = o.maxInFlight ?? 2000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const samples: Sample[] = [];
  const dropped: number[] = o.phases.map(() => 0);
  const sent: number[] = o.phases.map(() => 0);
  let inFlight = 0;
  let i = 0;
  const pending = new Set<Promise<void>>();

  const fire = (req: OpenRequest, intended: number, phase: number, t0: number) => {
    inFlight++;
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const p = new Promise<void>((resolve) => {
      const done = (status: number, body: Buffer) => {
        inFlight--;
        samples.push({ at: intended - t0, ms: performance.now() - intended, status, kind: req.kind, phase });
        if (o.onAnswer) o.onAnswer(req, status, body);
        resolve();
      };
      const r = http.request(
        o.base + req.path,
        {
          method: req.method,
          agent,
          timeout: timeoutMs,
          headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...req.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks)));
          res.on('error', () => done(0, Buffer.alloc(0)));
        },
      );
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', () => done(0, Buffer.alloc(0)));
      r.end(payload);
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };

  const t0 = performance.now();
  let phaseStart = t0;
  for (let ph = 0; ph < o.phases.length; ph++) {
    const phase = o.phases[ph] as Phase;
    const end = phaseStart + phase.seconds * 1000;
    const interval = 1000 / phase.rate;
    let k = 0;
    let lastTick = performance.now();
    for (;;) {
      const now = performance.now();
      if (now >= end) break;
      // Every arrival whose time has come (a late timer fires the backlog at once, each with its own intended time).
      while (phaseStart + k * interval <= now && phaseStart + k * interval < end) {
        const intended = phaseStart + k * interval;
        k++;
        const req = o.next(i++);
        if (!req) continue;
        sent[ph]!++;
        if (inFlight >= maxInFlight) {
          dropped[ph]!++;
          samples.push({ at: intended - t0, ms: NaN, status: -1, kind: req.kind, phase: ph });
          continue;
        }
        fire(req, intended, ph, t0);
      }
      if (o.tick && now - lastTick >= 1000) {
        lastTick = now;
        o.tick(`${phase.label}: ${phase.rate} r/s intended, ${((now - phaseStart) / 1000).toFixed(0)}/${phase.seconds} s, ${inFlight} in flight`);
      }
      await sleep(Math.max(0, Math.min(5, phaseStart + k * interval - performance.now())));
    }
    phaseStart = end;
  }
  // Wait for the stragglers (bounded by the request timeout).
  await Promise.all([...pending]);
  agent.destroy();

  const isOk = (s: Sample) => s.status >= 200 && s.status < 400;
  const phases: PhaseFigures[] = o.phases.map((phase, ph) => {
    const mine = samples.filter((s) => s.phase === ph);
    const answered = mine.filter((s) => s.status >= 0);
    const lat = answered.map((s) => s.ms).sort((a, b) => a - b);
    const ok = mine.filter(isOk).length;
    const errors = mine.length - ok;
    const kinds = [...new Set(mine.map((s) => s.kind))].sort();
    const byKind: PhaseFigures['byKind'] = {};
    for (const kind of kinds) {
      const ks = answered.filter((s) => s.kind === kind);
      const kl = ks.map((s) => s.ms).sort((a, b) => a - b);
      byKind[kind] = { n: mine.filter((s) => s.kind === kind).length, errors: mine.filter((s) => s.kind === kind && !isOk(s)).length, p50: percentile(kl, 50), p95: percentile(kl, 95) };
    }
    const statuses: Record<string, number> = {};
    for (const s of mine) statuses[s.status < 0 ? 'dropped' : String(s.status)] = (statuses[s.status < 0 ? 'dropped' : String(s.status)] ?? 0) + 1;
    return {
      label: phase.label,
      rate: phase.rate,
      seconds: phase.seconds,
      sent: sent[ph] ?? 0,
      completed: answered.length,
      ok,
      errors,
      dropped: dropped[ph] ?? 0,
      throughput: ok / phase.seconds,
      errorPct: mine.length ? (errors / mine.length) * 100 : 0,
      p50: percentile(lat, 50),
      p95: percentile(lat, 95),
      p99: percentile(lat, 99),
      max: lat.length ? (lat[lat.length - 1] as number) : NaN,
      byKind,
      statuses,
    };
  });
  const seconds = Math.ceil(o.phases.reduce((s, p) => s + p.seconds, 0));
  const timeline: OpenResult['timeline'] = [];
  let acc = 0;
  const rateAt = (sec: number) => {
    acc = 0;
    for (const p of o.phases) {
      if (sec < acc + p.seconds) return p.rate;
      acc += p.seconds;
    }
    return 0;
  };
  for (let s = 0; s < seconds; s++) {
    const inSec = samples.filter((x) => x.at >= s * 1000 && x.at < (s + 1) * 1000);
    const lat = inSec.filter((x) => x.status >= 0).map((x) => x.ms).sort((a, b) => a - b);
    timeline.push({ second: s, rate: rateAt(s), ok: inSec.filter(isOk).length, errors: inSec.filter((x) => !isOk(x)).length, p95: percentile(lat, 95) });
  }
  return { phases, timeline };
}
