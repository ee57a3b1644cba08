/**
 * What one failover run cannot show: the spread over several runs (`--runs N`: median and max of each figure),
 * the Patroni timing the runs were made with (`--patroni ttl=..`, applied to the running cluster through
 * Patroni's REST API), and the price of a short ttl: false failovers while both cores are saturated and nothing
 * is broken (`--false-alarms SECONDS`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import axios from 'axios';
import { HOST, type Topology } from '@brigadeiro/topology';
import { nodePorts, PG_NODES, type PgCluster } from '../stack/patroni';
import { type FailoverResult, fmt } from './run';


// ---- several runs

export interface Spread {
  median: number | null;
  max: number | null;
  /** Runs where the figure exists (a detection that never came is left out and counted as missing). */
  n: number;
}

/** Median (the mean of the middle two for an even count) and max of the numbers present; nulls are skipped. */
export function spread(values: (number | null)[]): Spread {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, max: null, n: 0 };
  const mid = Math.floor(v.length / 2);
  return { median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, max: v.at(-1)!, n: v.length };
}

export interface RunsSummary {
  runs: number;
  ok: number;
  detectionMs: Spread;
  failoverMs: Spread;
  firstCheckoutMs: Spread;
  downtimeMs: Spread;
  failedRequests: Spread;
  lostWrites: Spread;
  rejoinFromRestartMs: Spread;
}

export function summarizeRuns(results: FailoverResult[]): RunsSummary {
  return {
    runs: results.length,
    ok: results.filter((r) => r.ok).length,
    detectionMs: spread(results.map((r) => r.detectionMs)),
    failoverMs: spread(results.map((r) => r.failoverMs)),
    firstCheckoutMs: spread(results.map((r) => r.firstCheckoutMs)),
    downtimeMs: spread(results.map((r) => r.downtimeMs)),
    failedRequests: spread(results.map((r) => r.requests.failed)),
    lostWrites: spread(results.map((r) => r.acknowledgedLost)),
    rejoinFromRestartMs: spread(results.map((r) => r.rejoinFromRestartMs)),
  };
}

export function formatSummary(s: RunsSummary, timing: PatroniTiming | null): string {
  const t = (x: Spread) => `${fmt(x.median)} | ${fmt(x.max)}${x.n < s.runs ? ` (${s.runs - x.n} sem valor)` : ''}`;
  const n = (x: Spread) => `${x.median ?? 'n/a'} | ${x.max ?? 'n/a'}`;
  return [
    `${s.runs} execuções (${s.ok} recuperadas)${timing ? `, Patroni ${formatTiming(timing)}` : ''}`,
    '| métrica | mediana | máximo |',
    '|---|---|---|',
    `| Tempo de detecção | ${t(s.detectionMs)} |`,
    `| Tempo de failover | ${t(s.failoverMs)} |`,
    `| Primeiro checkout após a queda | ${t(s.firstCheckoutMs)} |`,
    `| Downtime total | ${t(s.downtimeMs)} |`,
    `| Requisições com falha | ${n(s.failedRequests)} |`,
    `| Escritas confirmadas perdidas | ${n(s.lostWrites)} |`,
    `| Religamento (reinício -> réplica sync) | ${t(s.rejoinFromRestartMs)} |`,
  ].join('\n');
}

// ---- Patroni's timing on a running cluster

export interface PatroniTiming {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
}
const TIMING_KEYS = ['ttl', 'loop_wait', 'retry_timeout'] as const;

export function formatTiming(x: PatroniTiming): string {
  return `ttl=${x.ttl},loop_wait=${x.loop_wait},retry_timeout=${x.retry_timeout}`;
}

/** Parses "ttl=4,retry_timeout=1" (any of the three keys, whole seconds) into a partial timing. */
export function parseTiming(text: string): Partial<PatroniTiming> {
  const out: Partial<PatroniTiming> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)=(\d+)$/.exec(part);
    if (!m || !(TIMING_KEYS as readonly string[]).includes(m[1]!)) {
      throw new Error(`--patroni: "${part}" is not one of ${TIMING_KEYS.map((k) => `${k}=<seconds>`).join(', ')}`);
    }
    out[m[1] as keyof PatroniTiming] = Number(m[2]);
  }
  return out;
}

/** Patroni refuses (or silently adjusts) a timing outside this rule; say so before applying it. */
export function checkTiming(x: PatroniTiming): string | null {
  if (x.loop_wait < 1 || x.retry_timeout < 1) return 'loop_wait and retry_timeout must be at least 1 s';
  if (x.loop_wait + 2 * x.retry_timeout > x.ttl) return `Patroni needs loop_wait + 2 * retry_timeout <= ttl (${x.loop_wait} + 2 * ${x.retry_timeout} > ${x.ttl})`;
  return null;
}

async function anyRestPort(t: Topology): Promise<number> {
  for (const node of PG_NODES) {
    const port = nodePorts(t, node).rest;
    if (await axios.get(`http://${HOST}:${port}/config`, { timeout: 1500 }).then(() => true, () => false)) return port;
  }
  throw new Error('no Patroni REST API answered /config');
}

/** Changes the cluster's dynamic configuration (PATCH /config on any member that answers); Patroni stores it in etcd. */
export async function patchPatroniConfig(t: Topology, change: Record<string, unknown>): Promise<void> {
  const port = await anyRestPort(t);
  await axios.patch(`http://${HOST}:${port}/config`, change, { timeout: 3000 });
}

/** The cluster's dynamic timing (Patroni's /config, stored in etcd). */
export async function readTiming(t: Topology): Promise<PatroniTiming> {
  const port = await anyRestPort(t);
  const c = (await axios.get<Record<string, unknown>>(`http://${HOST}:${port}/config`, { timeout: 2000 })).data;
  return { ttl: Number(c.ttl), loop_wait: Number(c.loop_wait), retry_timeout: Number(c.retry_timeout) };
}

/**
 * Applies `change` to the running cluster (PATCH /config; each Patroni picks it up at its next loop), after
 * checking the rule above; resolves with the timing now in force. The change outlives this tool: it is the
 * cluster's configuration until changed again (a new cluster starts from infra/postgres/patroni.yml.tmpl).
 */
export async function applyTiming(t: Topology, change: Partial<PatroniTiming>): Promise<PatroniTiming> {
  const now = await readTiming(t);
  const next = { ...now, ...change };
  const bad = checkTiming(next);
  if (bad) throw new Error(`--patroni ${formatTiming(next)}: ${bad}`);
  await patchPatroniConfig(t, change);
  // A member answers /config from its last view of etcd: ask until the change shows (a loop or two).
  let applied = await readTiming(t);
  for (const end = Date.now() + 10_000; formatTiming(applied) !== formatTiming(next) && Date.now() < end; ) {
    await sleep(200);
    applied = await readTiming(t);
  }
  if (formatTiming(applied) !== formatTiming(next)) throw new Error(`Patroni kept ${formatTiming(applied)} instead of ${formatTiming(next)}`);
  // Both members read the new values at their next loop; give them two of the old loops.
  await sleep(2000 * Math.max(now.loop_wait, 1));
  return applied;
}

// ---- false failovers under CPU saturation

export interface FalseAlarms {
  seconds: number;
  burners: number;
  timing: PatroniTiming;
  /** Polls of /cluster made, and how many found no running leader (a leaderless moment is an outage too). */
  samples: number;
  leaderless: number;
  /** Times the cluster went from a running leader to none (a demotion, whether or not another node took over). */
  leaderlessEpisodes: number;
  /** Leader name or timeline changes seen: each is a failover nobody asked for. */
  failovers: number;
  changes: { t: number; from: string; to: string }[];
  /** The longest gap between two polls: how starved this process itself was (ms). */
  longestPollGapMs: number;
}

function leaderOf(c: PgCluster): string {
  const l = c.members.find((m) => m.role === 'leader' && m.state === 'running');
  return l ? `${l.name}@tl${l.timeline ?? '?'}` : 'none';
}

/** One busy-loop Node process per core; each is ours and ended by PID. */
function startBurners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/**
 * Saturates every core for `seconds` with no fault injected, polling Patroni's /cluster every 200 ms, and
 * counts leader changes (a new name or a new timeline). Nothing is broken on purpose, so every change is a
 * false failover: the price of the timing in force.
 */
export async function countFalseAlarms(t: Topology, cluster: () => Promise<PgCluster>, seconds: number, say: (line: string) => void): Promise<FalseAlarms> {
  const timing = await readTiming(t);
  const first = await cluster();
  let last = leaderOf(first);
  if (last === 'none') throw new Error('no running leader before the load: the cluster is not healthy');
  const burners = os.availableParallelism();
  say(`saturating ${burners} cores for ${seconds} s with Patroni ${formatTiming(timing)}; leader ${last}`);
  const started = Date.now();
  const procs = startBurners(burners);
  const out: FalseAlarms = { seconds, burners, timing, samples: 0, leaderless: 0, leaderlessEpisodes: 0, failovers: 0, changes: [], longestPollGapMs: 0 };
  let hadLeader = true;
  let lastPoll = started;
  try {
    while (Date.now() - started < seconds * 1000) {
      const c = await cluster();
      const now = Date.now();
      out.longestPollGapMs = Math.max(out.longestPollGapMs, now - lastPoll);
      lastPoll = now;
      out.samples++;
      const l = leaderOf(c);
      if (l === 'none') {
        out.leaderless++;
        if (hadLeader) out.leaderlessEpisodes++;
      } else if (l !== last) {
        out.failovers++;
        out.changes.push({ t: now - started, from: last, to: l });
        say(`leader changed at ${((now - started) / 1000).toFixed(1)} s: ${last} -> ${l}`);
        last = l;
      }
      hadLeader = l !== 'none';
      await sleep(200);
    }
  } finally {
    for (const p of procs) if (p.pid) process.kill(p.pid, 'SIGKILL');
  }
  return out;
}

export function formatFalseAlarms(a: FalseAlarms): string {
  return [
    `Falsos failovers com ${a.burners} núcleos saturados por ${a.seconds} s, sem falha injetada (Patroni ${formatTiming(a.timing)})`,
    `| falsos failovers | vezes sem líder | amostras sem líder | amostras | maior intervalo entre amostras |`,
    `|---|---|---|---|---|`,
    `| ${a.failovers} | ${a.leaderlessEpisodes} | ${a.leaderless} | ${a.samples} | ${fmt(a.longestPollGapMs)} |`,
    ...a.changes.map((c) => `  ${fmt(c.t)}: ${c.from} -> ${c.to}`),
  ].join('\n');
}
