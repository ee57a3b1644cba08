/**
 * Catalogue reads go back to the replica under constant read load (issue #10 item 4), on the SHARED test
 * stack: after the replica dies and comes back, and after a failover once the old primary rejoins as the
 * replica. Readers loop on GET /api/v1/produtos/:id through the gateway with Cache-Control: no-cache (so
 * catalogo answers every one) and keep catalogo's pooled read connections busy, which is what used to keep
 * them on the primary.
 *
 * Like the other failover tests, these break the stack every other file uses: they rely on jest running one
 * file at a time, and put the stack back (restoreStack) before they end, pass or fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import { gatewayUrl, loadTopology } from '@brigadeiro/topology';
import type { StackContext } from '../scripts/stack/context';
import { killPgNode, pgRoles, startPgNode, waitClusterHealthy } from '../scripts/stack/control';
import { haproxyServers, upReplicas } from '../scripts/stack/haproxy';
import { stackPaths } from '../scripts/stack/layout';
import { type PgNode, pgCluster } from '../scripts/stack/patroni';
import { runFault } from '../scripts/cli/fault';
import { restoreStack } from '../scripts/failover/native';

const t = loadTopology();
const ctx: StackContext = { t, p: stackPaths(t), say: () => undefined };
const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 15_000 });

/** Readers in parallel, each with a short pause between its reads: steady load, well below the rate limit. */
const READERS = 4;
const PAUSE_MS = 20;
/** The goal: reads back on the replica this long after it streams again. */
const RETURN_MS = 10_000;
/** How long reads are watched after that, and the share of them the replica must answer. */
const WATCH_MS = 5_000;
const REPLICA_SHARE = 0.95;

afterEach(async () => {
  await restoreStack(ctx);
}, 150_000);

interface Read {
  at: number;
  status: number;
  servedBy: string | null;
}

/** The read load: READERS loops until stopped, every read recorded. */
function readLoad(produtoId: number) {
  const reads: Read[] = [];
  let stop = false;
  const reader = async () => {
    while (!stop) {
      const at = Date.now();
      const r = await gw
        .get(`/api/v1/produtos/${produtoId}`, { headers: { 'Cache-Control': 'no-cache' } })
        .then((res) => ({ status: res.status, servedBy: (res.headers['x-served-by'] as string | undefined) ?? null }))
        .catch(() => ({ status: 0, servedBy: null }));
      reads.push({ at, ...r });
      await sleep(PAUSE_MS);
    }
  };
  const running = Promise.all(Array.from({ length: READERS }, reader));
  return {
    reads,
    /** Waits until the last `n` reads were all answered by `who` (a readiness wait, not a timing claim). */
    until: async (who: string, n = 20, ms = 60_000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const last = reads.slice(-n);
        if (last.length === n && last.every((r) => r.servedBy === who)) return true;
        await sleep(100);
      }
      return false;
    },
    stop: async () => {
      stop = true;
      await running;
    },
  };
}

/** When `node` came back: first seen streaming (leader's pg_stat_replication) and first UP as a replica in HAProxy. */
function watchReturn(node: PgNode) {
  const seen: { streaming?: number; haproxyUp?: number } = {};
  let stop = false;
  const running = (async () => {
    while (!stop && (seen.streaming === undefined || seen.haproxyUp === undefined)) {
      const now = Date.now();
      const [c, servers] = await Promise.all([pgCluster(t), haproxyServers(ctx.p).catch(() => [])]);
      if (seen.streaming === undefined && c.members.some((m) => m.name === node && m.role === 'replica' && m.streaming)) seen.streaming = now;
      if (seen.haproxyUp === undefined && upReplicas(servers).some((s) => s.server === node)) seen.haproxyUp = now;
      await sleep(100);
    }
  })();
  return {
    seen,
    stop: async () => {
      stop = true;
      await running;
    },
  };
}

interface Outcome {
  /** Reads that did not answer 200. */
  failed: Read[];
  /** Reads started from RETURN_MS after streaming to WATCH_MS later, and how many of them the replica answered. */
  watched: number;
  byReplica: number;
  /** Start of the last read the primary answered, relative to streaming and to HAProxy marking the replica UP (ms). */
  lastPrimaryAfterStreamingMs: number;
  lastPrimaryAfterHaproxyUpMs: number;
  haproxyUpAfterStreamingMs: number;
}

function outcome(reads: Read[], seen: { streaming?: number; haproxyUp?: number }, since: number): Outcome {
  const streaming = seen.streaming!;
  const haproxyUp = seen.haproxyUp!;
  const watched = reads.filter((r) => r.at >= streaming + RETURN_MS && r.at < streaming + RETURN_MS + WATCH_MS);
  const lastPrimary = Math.max(...reads.filter((r) => r.at >= since && r.servedBy === 'primary').map((r) => r.at));
  return {
    failed: reads.filter((r) => r.status !== 200),
    watched: watched.length,
    byReplica: watched.filter((r) => r.servedBy === 'replica').length,
    lastPrimaryAfterStreamingMs: lastPrimary - streaming,
    lastPrimaryAfterHaproxyUpMs: lastPrimary - haproxyUp,
    haproxyUpAfterStreamingMs: haproxyUp - streaming,
  };
}

/** Keeps reading until WATCH_MS past the goal, then checks the outcome (printed: README quotes these runs). */
async function finish(what: string, load: ReturnType<typeof readLoad>, watch: ReturnType<typeof watchReturn>, since: number): Promise<Outcome> {
  const end = Date.now() + 60_000;
  while (watch.seen.streaming === undefined && Date.now() < end) await sleep(100);
  expect(watch.seen.streaming).toBeDefined();
  await sleep(Math.max(0, watch.seen.streaming! + RETURN_MS + WATCH_MS - Date.now()));
  await watch.stop();
  await load.stop();
  expect(watch.seen.haproxyUp).toBeDefined();
  const o = outcome(load.reads, watch.seen, since);
  process.stderr.write(`replica reads, ${what}: ${JSON.stringify({ reads: load.reads.length, ...o, failed: o.failed.length })}\n`);
  return o;
}

describe('replica reads: back on the replica under constant read load', () => {
  it('when the replica dies and comes back (npm run fault replica-down / replica-up) under constant reads, then within 10 s of it streaming again at least 95% of reads are answered by the replica, and no read fails', async () => {
    const { replica } = await pgRoles(t);
    const load = readLoad(1);
    try {
      expect(await load.until('replica')).toBe(true);

      await runFault(ctx, 'replica-down');
      // The pooled connections are now on the primary and stay busy there.
      expect(await load.until('primary')).toBe(true);
      await sleep(2000);

      const since = Date.now();
      const watch = watchReturn(replica);
      await runFault(ctx, 'replica-up');
      const o = await finish('replica-up', load, watch, since);

      expect(o.failed).toEqual([]);
      expect(o.watched).toBeGreaterThan(20);
      expect(o.byReplica / o.watched).toBeGreaterThanOrEqual(REPLICA_SHARE);
    } finally {
      await load.stop();
    }
  }, 200_000);

  it('when the primary dies and the old primary rejoins as the replica, under constant reads, then within 10 s of it streaming again at least 95% of reads are answered by the replica, and no read fails', async () => {
    const { leader: old, replica } = await pgRoles(t);
    const load = readLoad(1);
    try {
      expect(await load.until('replica')).toBe(true);

      await killPgNode(ctx, old, 'node');
      // Patroni promotes the replica (about ttl); reads then go to it, now the primary, through HAProxy's backup server.
      const end = Date.now() + 60_000;
      while ((await pgRoles(t).catch(() => undefined))?.leader !== replica && Date.now() < end) await sleep(200);
      expect((await pgRoles(t)).leader).toBe(replica);
      expect(await load.until('primary')).toBe(true);
      await sleep(2000);

      const since = Date.now();
      const watch = watchReturn(old);
      startPgNode(ctx, old);
      await waitClusterHealthy(ctx, old, 120_000);
      const o = await finish('failover rejoin', load, watch, since);

      expect(o.failed).toEqual([]);
      expect(o.watched).toBeGreaterThan(20);
      expect(o.byReplica / o.watched).toBeGreaterThanOrEqual(REPLICA_SHARE);
    } finally {
      await load.stop();
    }
  }, 240_000);
});
