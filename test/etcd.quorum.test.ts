/**
 * etcd without a single point of failure, on the SHARED test stack (real processes, through `npm run fault`'s
 * own code), under continuous checkouts and catalogue reads through the gateway:
 * - one member killed (the etcd leader, the worst single loss) changes nothing a client sees: no failed
 *   request, the same PostgreSQL leader on the same timeline, Patroni's primary and replica checks green
 *   throughout; the member then comes back and catches up;
 * - the whole etcd killed (quorum gone): with failsafe_mode (infra/postgres/patroni.yml.tmpl) the primary
 *   still reaches its replica, so it keeps serving writes well past the leader key's ttl; etcd back, the
 *   cluster is healthy again with the same leader.
 * Like fault.services.test.ts it breaks the stack every test file uses: one file at a time (jest's default
 * here), and each test puts the stack back (restoreStack starts etcd too) before it ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import axios from 'axios';
import { Client } from 'pg';
import { gatewayUrl, loadTopology, superuserUrl } from '@brigadeiro/topology';
import type { StackContext } from '../scripts/stack/context';
import { stackPaths } from '../scripts/stack/layout';
import { runFault } from '../scripts/cli/fault';
import { restoreStack } from '../scripts/failover/native';
import { clusterHealthy, pgRoles } from '../scripts/stack/control';
import { type EtcdCluster, etcdCluster } from '../scripts/stack/etcd';
import { nodePorts, pgCluster } from '../scripts/stack/patroni';
import { httpJson, httpRequest } from '../scripts/stack/probe';
import { apagarProduto, corpo, criarCarrinho, criarProduto, unique } from '../services/pedidos/test/support';
import { readTiming } from '../scripts/failover/series';

const t = loadTopology();
const ctx: StackContext = { t, p: stackPaths(t), say: () => undefined };
const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 30_000 });
/** The leader key's ttl of the running cluster (Patroni's /config): an outage shorter than this would prove nothing. */
let TTL_S = 0;

let produtoId: number;

beforeAll(async () => {
  TTL_S = (await readTiming(t)).ttl;
  produtoId = (await criarProduto({ preco: '3.00', estoque: 100_000 })).id;
}, 60_000);

afterAll(async () => {
  await apagarProduto(produtoId);
}, 30_000);

afterEach(async () => {
  await restoreStack(ctx);
}, 180_000);

/** Checkouts (cart + order) and catalogue reads through the gateway until stopped; every answer recorded. */
function startLoad(): { stop: () => Promise<void>; checkouts: number[]; reads: number[]; failures: string[] } {
  const checkouts: number[] = [];
  const reads: number[] = [];
  const failures: string[] = [];
  let stopped = false;
  const buyer = async () => {
    while (!stopped) {
      try {
        const cart = await criarCarrinho([{ produto_id: produtoId, quantidade: 1 }]);
        const r = await gw.post('/api/v1/pedidos', corpo(cart), { headers: { 'Idempotency-Key': unique('etcd') } });
        checkouts.push(r.status);
        if (r.status !== 201) failures.push(`checkout ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
      } catch (e) {
        failures.push(`checkout: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  const reader = async () => {
    while (!stopped) {
      // A different page each time, so most reads reach catalogo and its database rather than nginx's cache.
      const r = await gw.get('/api/v1/produtos', { params: { limit: 5, offset: Math.floor(Math.random() * 50) } }).catch((e: Error) => ({ status: 0, data: e.message }));
      reads.push(r.status);
      if (r.status !== 200) failures.push(`read ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
    }
  };
  const workers = Promise.all([buyer(), buyer(), reader(), reader()]);
  return {
    checkouts,
    reads,
    failures,
    stop: async () => {
      stopped = true;
      await workers;
    },
  };
}

/** Patroni's own checks (what HAProxy routes by), sampled every 250 ms until stopped. */
function watchPatroni(leader: 'pg1' | 'pg2', replica: 'pg1' | 'pg2') {
  const samples: { primary: number; replica: number; failsafe: boolean }[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const [p, r, s] = await Promise.all([
        httpRequest(nodePorts(t, leader).rest, '/primary', 'OPTIONS', 1500).then((a) => a.status, () => 0),
        httpRequest(nodePorts(t, replica).rest, '/replica', 'OPTIONS', 1500).then((a) => a.status, () => 0),
        httpJson<{ failsafe_mode_is_active?: boolean }>(nodePorts(t, leader).rest, '/patroni', 1500).catch(() => ({ failsafe_mode_is_active: undefined })),
      ]);
      samples.push({ primary: p, replica: r, failsafe: s.failsafe_mode_is_active === true });
      await sleep(250);
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function inRecovery(port: number): Promise<boolean> {
  const client = new Client({ connectionString: superuserUrl(t, port), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
  } finally {
    await client.end();
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(100);
  }
}

/**
 * Waits until a checkout goes through: a test that ran before may have left pedidos' catalogo breaker open
 * (fault.services.test.ts stops catalogo), and that must not be counted against etcd.
 */
async function checkoutsWork(): Promise<void> {
  await until('a checkout through the gateway before the fault', async () => {
    const cart = await criarCarrinho([{ produto_id: produtoId, quantidade: 1 }]);
    const r = await gw.post('/api/v1/pedidos', corpo(cart), { headers: { 'Idempotency-Key': unique('etcd-warm') } });
    return r.status === 201 ? true : undefined;
  }, 60_000);
}

describe('etcd: one member down', () => {
  it('when the etcd leader is SIGKILLed under checkouts and catalogue reads, then no request fails, the PostgreSQL leader stays, and the member rejoins', async () => {
    await checkoutsWork();
    const before = await pgRoles(t);
    const timeline = before.cluster.members.find((m) => m.name === before.leader)!.timeline;
    const e0 = await etcdCluster(t);
    expect(e0).toMatchObject({ quorum: true, up: 3 });
    const victim = e0.leader!;

    const load = startLoad();
    const watch = watchPatroni(before.leader, before.replica);
    await sleep(2000);
    const killedAt = Date.now();
    const line = await runFault(ctx, 'etcd-down');
    expect(line).toContain(`${victim} killed`);
    const e1 = await until('a new etcd leader', async () => {
      const c = await etcdCluster(t);
      return c.leader && c.leader !== victim ? c : undefined;
    }, 30_000);
    const electionMs = Date.now() - killedAt;
    // Past two leader-key ttls: a primary that could not renew its key would have demoted by now.
    await sleep(2 * TTL_S * 1000 + 2000);
    await load.stop();
    await watch.stop();

    expect(load.failures).toEqual([]);
    expect(load.checkouts.length).toBeGreaterThan(5);
    expect(load.reads.length).toBeGreaterThan(20);
    expect(watch.samples.length).toBeGreaterThan(20);
    expect(watch.samples.filter((s) => s.primary !== 200 || s.replica !== 200)).toEqual([]);
    expect(e1).toMatchObject({ quorum: true, up: 2 });
    const after = await pgCluster(t);
    expect(after.leader).toBe(before.leader);
    expect(after.members.find((m) => m.name === before.leader)!.timeline).toBe(timeline);
    expect(clusterHealthy(after)).toBe(true);
    process.stderr.write(
      `etcd ${victim} killed: new etcd leader ${e1.leader} seen after ${electionMs} ms; ${load.checkouts.length} checkouts and ${load.reads.length} reads, 0 failed; ` +
        `failsafe used in ${watch.samples.filter((s) => s.failsafe).length} of ${watch.samples.length} samples\n`,
    );

    // Back: it rejoins as a follower and catches up with the log the others wrote meanwhile.
    const upAt = Date.now();
    await runFault(ctx, 'etcd-up', victim.slice(4));
    const target = (await etcdCluster(t)).members.find((m) => m.name === e1.leader)!.raftIndex!;
    const rejoined: EtcdCluster = await until(`${victim} caught up`, async () => {
      const c = await etcdCluster(t);
      const m = c.members.find((x) => x.name === victim);
      return c.quorum && c.up === 3 && m && !m.isLeader && (m.raftIndex ?? 0) >= target ? c : undefined;
    }, 60_000);
    expect(rejoined.members.every((m) => m.up)).toBe(true);
    process.stderr.write(`etcd ${victim} back and caught up in ${Date.now() - upAt} ms\n`);
  }, 180_000);
});

describe('etcd: the whole cluster down', () => {
  it('when every etcd member is SIGKILLed, then with failsafe mode the primary keeps serving checkouts past the ttl, and after etcd-up the cluster is healthy with the same leader', async () => {
    await checkoutsWork();
    const before = await pgRoles(t);
    const load = startLoad();
    const watch = watchPatroni(before.leader, before.replica);
    await sleep(2000);
    const atKill = load.checkouts.length;
    const line = await runFault(ctx, 'etcd-down', 'all');
    expect(line).toContain('every etcd member killed');
    expect((await etcdCluster(t)).up).toBe(0);
    // Three times the ttl with no DCS at all: without failsafe mode the primary demotes after retry_timeout (2 s).
    await sleep(3 * TTL_S * 1000);
    const checkoutsDuring = load.checkouts.length - atKill;
    await load.stop();
    await watch.stop();

    expect(load.failures).toEqual([]);
    expect(checkoutsDuring).toBeGreaterThan(5);
    expect(await inRecovery(nodePorts(t, before.leader).pg)).toBe(false);
    expect(watch.samples.filter((s) => s.primary !== 200)).toEqual([]);
    // Patroni says why it still leads: failsafe mode is active (the primary checked its replica over REST).
    expect(watch.samples.some((s) => s.failsafe)).toBe(true);

    const upAt = Date.now();
    const up = await runFault(ctx, 'etcd-up', 'all');
    expect(up).toContain('etcd1, etcd2, etcd3 started');
    const c = await until('PostgreSQL healthy again with etcd back', async () => {
      const x = await pgCluster(t);
      return clusterHealthy(x) ? x : undefined;
    }, 120_000);
    expect(c.leader).toBe(before.leader);
    expect(await etcdCluster(t)).toMatchObject({ quorum: true, up: 3 });
    process.stderr.write(
      `whole etcd down ${3 * TTL_S} s: ${checkoutsDuring} checkouts, 0 failed; failsafe active in ${watch.samples.filter((s) => s.failsafe).length} of ${watch.samples.length} samples; ` +
        `etcd back and PostgreSQL healthy ${Date.now() - upAt} ms after etcd-up\n`,
    );
  }, 180_000);
});
