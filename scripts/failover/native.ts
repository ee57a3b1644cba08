/**
 * The native stack's side of the failover experiment: FailoverHooks over scripts/stack (PID files, the
 * orchestrator's own launch code), and restoreStack(), which puts a stack a fault left broken back to
 * normal: every etcd member running (healthy), both PostgreSQL nodes running (one leader + one streaming sync replica), Redis and every service
 * instance up. Tests that break the shared test stack call it before they end.
 */
import type { StackContext } from '../stack/context';
import { clusterHealthy, killPgNode, startPgNode, startService, waitClusterHealthy } from '../stack/control';
import { startEtcd } from '../stack/etcd';
import { PG_NODES, pgCluster } from '../stack/patroni';
import { livePid } from '../stack/process';
import { REDIS, startRedis } from '../stack/redis';
import { waitFor } from '../stack/probe';
import { serviceInstances, serviceReady } from '../stack/services';
import type { FailoverHooks } from './run';

export function nativeHooks(ctx: StackContext): FailoverHooks {
  return {
    cluster: () => pgCluster(ctx.t),
    kill: async (node, mode) => (await killPgNode(ctx, node, mode)).at,
    restart: async (node) => {
      startPgNode(ctx, node);
    },
    waitRejoined: (node, timeoutMs) => waitClusterHealthy(ctx, node, timeoutMs),
  };
}

/** Starts whatever of the stack is down and waits on real readiness; returns what it had to start. */
export async function restoreStack(ctx: StackContext): Promise<string[]> {
  // etcd first: Patroni cannot elect or confirm a leader without it.
  const started: string[] = [...(await startEtcd(ctx))];
  for (const node of PG_NODES) {
    if (livePid(ctx.p, node) === undefined) {
      startPgNode(ctx, node);
      started.push(node);
    }
  }
  if (started.length || !clusterHealthy(await pgCluster(ctx.t))) await waitClusterHealthy(ctx, undefined, 120_000);
  if (livePid(ctx.p, REDIS) === undefined) {
    await startRedis(ctx);
    started.push(REDIS);
  }
  const instances = serviceInstances(ctx.t);
  const down = instances.filter((s) => livePid(ctx.p, s.name) === undefined);
  await Promise.all(down.map((s) => startService(ctx, s.name)));
  started.push(...down.map((s) => s.name));
  // Running is not ready: after a Redis or database outage each instance reconnects on its own backoff, and
  // the next test must not meet one that still answers 503. Every instance's /ready must say so.
  await Promise.all(instances.map((s) => waitFor(`${s.name} ready`, () => serviceReady(s.port), { timeoutMs: 60_000, component: s.name })));
  return started;
}
