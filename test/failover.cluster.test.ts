/**
 * PostgreSQL faults on the SHARED test stack: the primary's node dies under load (scripts/failover's own
 * experiment), the old primary rejoins as a replica, the replica dies and comes back.
 *
 * These tests kill parts of the stack every other test file uses. They rely on jest running one file at a
 * time (its default on this 2-core machine: maxWorkers = cores - 1 = 1); do not run this file in parallel
 * with others (-w >1). Each test puts the stack back (restoreStack: one leader + one streaming sync
 * replica, every service up) before it ends, waiting on real readiness, pass or fail.
 */
import { Client } from 'pg';
import axios from 'axios';
import { loadTopology, serviceUrl, superuserUrl } from '@brigadeiro/topology';
import type { StackContext } from '../scripts/stack/context';
import { clusterHealthy, killPgNode, pgRoles, startPgNode, waitClusterHealthy } from '../scripts/stack/control';
import { stackPaths } from '../scripts/stack/layout';
import { pgCluster } from '../scripts/stack/patroni';
import { nativeHooks, restoreStack } from '../scripts/failover/native';
import { DEFAULT_OPTIONS, runFailover } from '../scripts/failover/run';

const t = loadTopology();
const ctx: StackContext = { t, p: stackPaths(t), say: () => undefined };
const http = axios.create({ validateStatus: () => true, timeout: 10_000 });

afterEach(async () => {
  await restoreStack(ctx);
}, 150_000);

async function superuserQuery<T>(port: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: superuserUrl(t, port), connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('failover: the primary dies', () => {
  it('when the primary node is SIGKILLed under moderate checkout and read load, then a new leader takes writes, no acknowledged order is lost, no client request fails and the old primary rejoins as a streaming replica', async () => {
    const r = await runFailover(t, nativeHooks(ctx), {
      ...DEFAULT_OPTIONS,
      load: true,
      rejoin: true,
      warmupMs: 1000,
      cooldownMs: 500,
      checkoutPauseMs: 250,
      say: () => undefined,
    });

    expect(r.problems).toEqual([]);
    expect(r.newLeader).not.toBe(r.oldLeader);
    expect(r.failoverMs).not.toBeNull();
    expect(r.acknowledgedOrders).toBeGreaterThan(0);
    expect(r.acknowledgedLost).toBe(0);
    // Clients retry a 5xx with the same Idempotency-Key, so every checkout ends acknowledged.
    expect(r.requests.checkoutsGaveUp).toBe(0);
    // No client-visible failure: a checkout caught in the chain waits for the new primary (one deadline for
    // every hop, README "Checkout") and reads ride through on the replica, so not one request failed.
    expect(r.failures).toEqual([]);
    expect(r.requests.failed).toBe(0);
    expect(r.rejoinMs).not.toBeNull();
    expect(clusterHealthy(await pgCluster(t), r.oldLeader)).toBe(true);
  }, 150_000);

  it('when the old primary is restarted after a failover, then it rejoins on the new timeline as a streaming sync replica with the writes made meanwhile', async () => {
    const { leader: old, replica } = await pgRoles(t);
    await killPgNode(ctx, old, 'node');
    // Wait for the promotion, then write something the old primary never saw.
    const marker = `rejoin-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const deadline = Date.now() + 60_000;
    let written = false;
    while (!written && Date.now() < deadline) {
      written = await superuserQuery(t.ports.pgRw, 'CREATE TABLE IF NOT EXISTS brigadeiro_rejoin_probe (marca text PRIMARY KEY)')
        .then(() => superuserQuery(t.ports.pgRw, 'INSERT INTO brigadeiro_rejoin_probe (marca) VALUES ($1)', [marker]))
        .then(() => true, () => false);
      if (!written) await new Promise((res) => setTimeout(res, 200));
    }
    expect(written).toBe(true);
    expect((await pgRoles(t)).leader).toBe(replica);

    startPgNode(ctx, old);
    const c = await waitClusterHealthy(ctx, old, 120_000);

    expect(c.leader).toBe(replica);
    const oldPort = old === 'pg1' ? t.ports.pg1 : t.ports.pg2;
    const rows = await superuserQuery<{ r: boolean; n: number }>(oldPort, 'SELECT pg_is_in_recovery() AS r, (SELECT count(*)::int FROM brigadeiro_rejoin_probe WHERE marca = $1) AS n', [marker]);
    await superuserQuery(t.ports.pgRw, 'DELETE FROM brigadeiro_rejoin_probe WHERE marca = $1', [marker]);
    expect(rows[0]).toEqual({ r: true, n: 1 });
  }, 150_000);
});

describe('failover: the replica dies', () => {
  it('when the replica node is SIGKILLed, then catalogue reads keep answering (from the primary) and, restarted, it catches up as the streaming sync replica', async () => {
    const { leader, replica } = await pgRoles(t);
    await killPgNode(ctx, replica, 'node');

    // catalogo itself (not the gateway's cache): every read answers 200, served by the primary once HAProxy
    // has marked the replica down (about 1 s).
    const statuses: number[] = [];
    const servedBy = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await http.get(`${serviceUrl(t, 'catalogo')}/api/v1/produtos/1`);
      statuses.push(r.status);
      servedBy.add(String(r.headers['x-served-by']));
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(servedBy.has('primary')).toBe(true);
    // Writes keep working too (non-strict synchronous mode falls back to async with the replica gone).
    await superuserQuery(t.ports.pgRw, 'CREATE TABLE IF NOT EXISTS brigadeiro_failover_probe (id bigserial PRIMARY KEY, em timestamptz NOT NULL)');
    const w = await superuserQuery<{ id: string }>(t.ports.pgRw, 'INSERT INTO brigadeiro_failover_probe (em) VALUES (now()) RETURNING id');
    expect(w).toHaveLength(1);
    expect((await pgRoles(t)).leader).toBe(leader);

    startPgNode(ctx, replica);
    const c = await waitClusterHealthy(ctx, replica, 120_000);

    expect(c.leader).toBe(leader);
    const m = c.members.find((x) => x.name === replica)!;
    expect(m).toMatchObject({ role: 'replica', streaming: true, sync: 'sync' });
  }, 150_000);
});
