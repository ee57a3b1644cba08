/**
 * The failover experiment, independent of how the stack runs (native.ts kills processes by PID, compose.ts
 * kills containers; each passes its own hooks): find the primary, optionally start load, kill it, and measure from
 * the kill:
 *   detection   a new leader elected (Patroni REST /cluster on the surviving node's port)
 *   failover    HAProxy's read-write port reaches a node where pg_is_in_recovery() is false and a write succeeds
 *   checkout    the first successful checkout through the gateway (a dedicated prober, one at a time)
 *   rejoin      (--rejoin) the old node restarted and back as a streaming synchronous replica (pg_rewind)
 * then verify every acknowledged order is in pedidos' database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { type Topology, databaseUrl, superuserUrl } from '@brigadeiro/topology';
import type { PgCluster, PgNode } from '../stack/patroni';
import {
  type AbSummary,
  type RequestRecord,
  type Setup,
  checkoutWithRetry,
  gatewayClient,
  prepareCheckouts,
  retireProduct,
  startAb,
  startCheckouts,
  startReadProber,
} from './load';


export interface FailoverHooks {
  /** The cluster as Patroni sees it. */
  cluster(): Promise<PgCluster>;
  /** Kills `node` (whole node, or only its postmaster); resolves with the kill time (ms since epoch). */
  kill(node: PgNode, mode: 'node' | 'postgres'): Promise<number>;
  /** Starts the killed node again (its Patroni) without waiting. */
  restart(node: PgNode): Promise<void>;
  /** Resolves when `node` is a streaming sync replica of a single leader; rejects on timeout. */
  waitRejoined(node: PgNode, timeoutMs: number): Promise<PgCluster>;
}

export interface FailoverOptions {
  mode: 'node' | 'postgres';
  load: boolean;
  rejoin: boolean;
  /** Checkout workload: concurrent clients and pause between a client's checkouts. */
  checkoutConcurrency: number;
  checkoutPauseMs: number;
  /** ab concurrency and requests per second (one ab -n batch a second). */
  abConcurrency: number;
  abPerSecond: number;
  /** Load before the kill (baseline) and after recovery (ms). */
  warmupMs: number;
  cooldownMs: number;
  /** Give up waiting for detection / failover / checkout after this long (ms). */
  timeoutMs: number;
  /** How long a client keeps retrying one checkout with its key (ms). */
  clientRetryWindowMs: number;
  say: (line: string) => void;
}

export const DEFAULT_OPTIONS: Omit<FailoverOptions, 'say'> = {
  mode: 'node',
  load: false,
  rejoin: false,
  checkoutConcurrency: 4,
  checkoutPauseMs: 100,
  abConcurrency: 4,
  abPerSecond: 100,
  warmupMs: 3000,
  cooldownMs: 3000,
  timeoutMs: 60_000,
  clientRetryWindowMs: 30_000,
};

export interface TimelineBucket {
  /** Bucket start, ms relative to the kill (negative: before it). */
  t: number;
  leitura_ok: number;
  leitura_falha: number;
  checkout_ok: number;
  checkout_falha: number;
}

export interface FailoverResult {
  ok: boolean;
  problems: string[];
  startedAt: string;
  mode: 'node' | 'postgres';
  oldLeader: PgNode;
  newLeader: string | null;
  /** All in ms from the kill; null when it did not happen in time. */
  detectionMs: number | null;
  failoverMs: number | null;
  firstCheckoutMs: number | null;
  rejoinMs: number | null;
  /** From the node's restart to it streaming again. */
  rejoinFromRestartMs: number | null;
  downtimeMs: number | null;
  requests: {
    total: number;
    failed: number;
    reads: { total: number; failed: number };
    checkoutAttempts: { total: number; failed: number };
    checkoutsGaveUp: number;
    ab: AbSummary | null;
  };
  acknowledgedOrders: number;
  acknowledgedLost: number;
  lostOrderIds: string[];
  clusterAfter: { leader: string | null; members: { name: string; role: string; state: string; streaming: boolean; sync: string | null }[] };
  failures: { t: number; kind: string; status: number; error?: string }[];
  timeline: TimelineBucket[];
}

/** Polls `fn` every `everyMs` until it returns true or `timeoutMs` passes; the time it became true, else null. */
async function until(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<number | null> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return Date.now();
    await sleep(everyMs);
  }
  return null;
}

/** One fresh connection through HAProxy's read-write port: a primary (not in recovery) that takes a write. */
async function rwWritable(t: Topology): Promise<boolean> {
  const c = new Client({ connectionString: superuserUrl(t, t.ports.pgRw), connectionTimeoutMillis: 1000, statement_timeout: 1000, query_timeout: 1500 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    if (r.rows[0]?.r !== false) return false;
    await c.query('INSERT INTO brigadeiro_failover_probe (em) VALUES (now())');
    return true;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function ensureProbeTable(t: Topology): Promise<void> {
  const c = new Client({ connectionString: superuserUrl(t, t.ports.pgRw), connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS brigadeiro_failover_probe (id bigserial PRIMARY KEY, em timestamptz NOT NULL)');
    await c.query(`DELETE FROM brigadeiro_failover_probe WHERE em < now() - interval '1 hour'`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The acknowledged orders (public references, as the API answered them) that pedidos' database does not hold. */
export async function missingOrders(t: Topology, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const c = new Client({ connectionString: databaseUrl(t, 'pedidos', 'rw'), connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const r = await c.query<{ referencia: string }>('SELECT referencia FROM pedidos WHERE referencia = ANY($1::uuid[])', [ids]);
    const found = new Set(r.rows.map((x) => x.referencia));
    return ids.filter((id) => !found.has(id));
  } finally {
    await c.end().catch(() => undefined);
  }
}

export function timeline(records: RequestRecord[], killAt: number, bucketMs = 100): TimelineBucket[] {
  if (records.length === 0) return [];
  const idx = (r: RequestRecord) => Math.floor((r.end - killAt) / bucketMs);
  const lo = Math.min(...records.map(idx));
  const hi = Math.max(...records.map(idx));
  const buckets: TimelineBucket[] = [];
  for (let i = lo; i <= hi; i++) buckets.push({ t: i * bucketMs, leitura_ok: 0, leitura_falha: 0, checkout_ok: 0, checkout_falha: 0 });
  for (const r of records) {
    const b = buckets[idx(r) - lo]!;
    if (r.kind === 'leitura') {
      if (r.ok) b.leitura_ok++;
      else b.leitura_falha++;
    } else if (r.ok) b.checkout_ok++;
    else b.checkout_falha++;
  }
  return buckets;
}

/** Runs the experiment. Never leaves load running; the caller decides the exit code from `ok`. */
export async function runFailover(t: Topology, hooks: FailoverHooks, o: FailoverOptions): Promise<FailoverResult> {
  const problems: string[] = [];
  const startedAt = new Date().toISOString();
  const before = await hooks.cluster();
  const leaderMember = before.members.find((m) => m.role === 'leader' && m.state === 'running');
  if (!leaderMember) throw new Error(`no running leader to kill: ${before.error ?? JSON.stringify(before.members)}`);
  const oldLeader = leaderMember.name as PgNode;
  const replica = before.members.find((m) => m.role === 'replica' && m.streaming);
  if (!replica) throw new Error(`no streaming replica to fail over to (${before.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}`).join(', ')}): the cluster is not healthy, fix it first`);
  o.say(`primary is ${oldLeader}, replica ${replica.name} (${replica.sync ?? 'async'})`);
  await ensureProbeTable(t);

  // Carts for the workload (rate * expected duration, generous) and for the first-checkout prober.
  const records: RequestRecord[] = [];
  const expectedS = (o.warmupMs + o.cooldownMs) / 1000 + 25 + (o.rejoin ? 15 : 0);
  const workloadCarts = o.load ? Math.ceil(o.checkoutConcurrency * (1000 / (o.checkoutPauseMs + 150)) * expectedS) : 0;
  o.say(`preparing ${workloadCarts + 20} carts for the checkout ${o.load ? 'workload and ' : ''}prober`);
  const setup: Setup = await prepareCheckouts(t, workloadCarts + 20);
  const proberCarts = setup.carts.splice(0, 20);

  let ab: ReturnType<typeof startAb> | undefined;
  let workload: ReturnType<typeof startCheckouts> | undefined;
  let reader: ReturnType<typeof startReadProber> | undefined;
  if (o.load) {
    ab = startAb(t, '/api/v1/produtos?limit=20', { perSecond: o.abPerSecond, concurrency: o.abConcurrency });
    workload = startCheckouts(t, setup, records, { concurrency: o.checkoutConcurrency, pauseMs: o.checkoutPauseMs, retryWindowMs: o.clientRetryWindowMs });
    reader = startReadProber(t, '/api/v1/produtos/1', 50, records);
    o.say(`load: ab -c ${o.abConcurrency} at ${o.abPerSecond} req/s on GET /api/v1/produtos, ${o.checkoutConcurrency} checkout clients, a read every 50 ms; baseline ${o.warmupMs / 1000} s`);
    await sleep(o.warmupMs);
  }

  o.say(`killing ${oldLeader} (${o.mode === 'node' ? 'the whole node: Patroni + PostgreSQL, SIGKILL' : 'only its postmaster, SIGKILL'})`);
  const killAt = await hooks.kill(oldLeader, o.mode);

  // The three waits run side by side, all timed from the kill.
  let newLeader: string | null = null;
  const detection = until(async () => {
    const c = await hooks.cluster();
    const l = c.members.find((m) => m.role === 'leader' && m.state === 'running');
    if (!l) return false;
    if (o.mode === 'node' && l.name === oldLeader) return false;
    if (o.mode === 'postgres' && l.name === oldLeader && !(await rwWritable(t).catch(() => false))) return false;
    newLeader = l.name;
    return true;
  }, o.timeoutMs, 50);
  const failover = until(() => rwWritable(t), o.timeoutMs, 50);
  // The first checkout after the kill: what a client retrying with its Idempotency-Key (every 100 ms, for
  // the time resolution) sees. A fresh cart only when an answer says retrying cannot help (a 4xx).
  const proberRecords: RequestRecord[] = [];
  const firstCheckout = (async () => {
    const gw = gatewayClient(t, 15_000);
    const end = Date.now() + o.timeoutMs;
    for (const cart of proberCarts) {
      if (Date.now() >= end) break;
      const id = await checkoutWithRetry(gw, cart, proberRecords, end - Date.now(), 100);
      if (id !== undefined) return { at: proberRecords.at(-1)!.end, id };
    }
    return null;
  })();
  const [detAt, failAt, first] = await Promise.all([detection, failover, firstCheckout]);
  const ms = (at: number | null) => (at === null ? null : at - killAt);
  o.say(`detection ${fmt(ms(detAt))}, failover ${fmt(ms(failAt))}, first checkout ${fmt(ms(first?.at ?? null))}; new leader ${newLeader ?? '?'}`);
  o.say(`the first-checkout prober made ${proberRecords.length} attempt(s); failed ones answered: ${answers(proberRecords)}`);
  if (detAt === null) problems.push(`no new leader within ${o.timeoutMs / 1000} s`);
  if (failAt === null) problems.push(`HAProxy's read-write port took no write within ${o.timeoutMs / 1000} s`);
  if (!first) problems.push(`no checkout succeeded within ${o.timeoutMs / 1000} s (${proberRecords.length} attempts; answers: ${answers(proberRecords)})`);

  let rejoinMs: number | null = null;
  let rejoinFromRestartMs: number | null = null;
  let clusterAfter: PgCluster | undefined;
  if (o.rejoin && o.mode === 'node') {
    const restartAt = Date.now();
    o.say(`restarting ${oldLeader}'s Patroni: it should rejoin as a replica (pg_rewind)`);
    await hooks.restart(oldLeader);
    try {
      clusterAfter = await hooks.waitRejoined(oldLeader, 120_000);
      rejoinMs = Date.now() - killAt;
      rejoinFromRestartMs = Date.now() - restartAt;
      o.say(`${oldLeader} is streaming again (${fmt(rejoinFromRestartMs)} after its restart)`);
    } catch (e) {
      problems.push(`${oldLeader} did not rejoin as a streaming replica: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else if (o.rejoin && o.mode === 'postgres') {
    try {
      clusterAfter = await hooks.waitRejoined(newLeader === oldLeader ? (oldLeader === 'pg1' ? 'pg2' : 'pg1') : oldLeader, 120_000);
      rejoinMs = Date.now() - killAt;
    } catch (e) {
      problems.push(`the cluster did not get back to a leader + streaming replica: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  if (o.load) {
    await sleep(o.cooldownMs);
    o.say('stopping the load');
  }
  const [abSummary, wl] = await Promise.all([ab ? stopAb(ab) : Promise.resolve(null), workload ? workload.stop() : Promise.resolve(null), reader?.stop()]);
  clusterAfter = clusterAfter ?? (await hooks.cluster());

  const acknowledged = [...(wl?.acknowledged ?? []), ...(first ? [first.id] : [])];
  const lost = await missingOrders(t, acknowledged);
  if (lost.length) problems.push(`${lost.length} acknowledged order(s) missing from pedidos' database: ${lost.slice(0, 10).join(', ')}`);
  await retireProduct(t, setup.produtoId);

  const reads = records.filter((r) => r.kind === 'leitura');
  const checks = records.filter((r) => r.kind === 'checkout');
  const failures = records.filter((r) => !r.ok).sort((a, b) => a.end - b.end);
  const abFailed = abSummary ? abSummary.failed + abSummary.non2xx : 0;
  const lastFailure = failures.at(-1)?.end;
  const recoveredAt = Math.max(first?.at ?? killAt, failAt ?? killAt, lastFailure ?? killAt);
  return {
    ok: problems.length === 0,
    problems,
    startedAt,
    mode: o.mode,
    oldLeader,
    newLeader,
    detectionMs: ms(detAt),
    failoverMs: ms(failAt),
    firstCheckoutMs: ms(first?.at ?? null),
    rejoinMs,
    rejoinFromRestartMs,
    downtimeMs: first ? recoveredAt - killAt : null,
    requests: {
      total: records.length + (abSummary?.complete ?? 0),
      failed: failures.length + abFailed,
      reads: { total: reads.length, failed: reads.filter((r) => !r.ok).length },
      checkoutAttempts: { total: checks.length, failed: checks.filter((r) => !r.ok).length },
      checkoutsGaveUp: wl?.gaveUp ?? 0,
      ab: abSummary,
    },
    acknowledgedOrders: acknowledged.length,
    acknowledgedLost: lost.length,
    lostOrderIds: lost,
    clusterAfter: {
      leader: clusterAfter.leader,
      members: clusterAfter.members.map((m) => ({ name: m.name, role: m.patroniRole, state: m.state, streaming: m.streaming, sync: m.sync })),
    },
    failures: failures.map((f) => ({ t: f.end - killAt, kind: f.kind, status: f.status, ...(f.error ? { error: f.error } : {}) })),
    timeline: timeline(records, killAt),
  };
}

function stopAb(ab: ReturnType<typeof startAb>): Promise<AbSummary> {
  return ab.stop();
}

/** What failed attempts answered, counted: "503 dependency_unavailable x12, 0 timeout of 15000ms exceeded x1". */
export function answers(records: RequestRecord[]): string {
  const n = new Map<string, number>();
  for (const r of records) {
    if (r.ok) continue;
    const k = `${r.status} ${r.error ?? ''}`.trim();
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n].map(([k, v]) => `${k} x${v}`).join(', ') || 'none failed';
}

export function fmt(msValue: number | null): string {
  return msValue === null ? 'n/a' : `${(msValue / 1000).toFixed(2)} s`;
}
