/**
 * Breaking and mending ONE component of a running stack, by the PIDs the orchestrator recorded (never by
 * name): kill a PostgreSQL node as a dying machine would (Patroni and every process of its PostgreSQL, with
 * SIGKILL) or only its postmaster, start a node's Patroni again through the orchestrator's own launch code
 * (so its PID file stays right), stop and start Redis or one service instance. Used by scripts/failover and
 * scripts/cli/fault.ts; each start waits on the component's real readiness.
 */
import fs from 'node:fs';
import { REPO_ROOT, type ServiceName, type Topology, serviceEnv } from '@brigadeiro/topology';
import type { StackContext } from './context';
import { preparePgRoot } from './layout';
import { PG_NODES, type PgCluster, type PgNode, launchNode, pgCluster, postmasterPid } from './patroni';
import { isAlive, launch, livePid, readPid, removePid, signal, stopRecorded, waitGone } from './process';
import { StartError, type WaitOptions, waitFor } from './probe';
import { REDIS, startRedis } from './redis';
import { type ServiceInstance, serviceEntry, serviceInstances, serviceReady } from './services';

/** PIDs whose parent is `ppid` (from /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

const kill9 = (pid: number, group = false): void => signal(pid, 'SIGKILL', group);

export interface NodeKill {
  node: PgNode;
  /** When the first SIGKILL was sent (ms since epoch). */
  at: number;
  patroniPid?: number;
  postmasterPid?: number;
  /** Every PID that got a SIGKILL. */
  killed: number[];
}

/**
 * Kills a PostgreSQL node with SIGKILL. mode 'node' (a machine dying): the postmaster (from
 * <datadir>/postmaster.pid) with all its children, and Patroni with its whole process group, at once so
 * neither notices the other. mode 'postgres': only the postmaster; its backends die with it (SIGKILL of the
 * postmaster leaves them to exit on their own, so they are killed too), and Patroni, alive, reacts.
 */
export async function killPgNode(ctx: StackContext, node: PgNode, mode: 'node' | 'postgres'): Promise<NodeKill> {
  const pm = postmasterPid(ctx.p, node);
  const patroni = readPid(ctx.p, node);
  const patroniPid = patroni && isAlive(patroni.pid, patroni.match) ? patroni.pid : undefined;
  const victims = pm !== undefined ? [pm, ...childrenOf(pm)] : [];
  const at = Date.now();
  if (mode === 'node' && patroniPid !== undefined) {
    kill9(patroniPid);
    kill9(patroniPid, true);
  }
  for (const pid of victims) kill9(pid);
  // Backends forked between the listing and the kill (a connection arriving that instant).
  if (pm !== undefined) for (const pid of childrenOf(pm)) kill9(pid);
  for (const pid of victims) await waitGone(pid, '', 5000);
  if (mode === 'node' && patroniPid !== undefined) {
    await waitGone(patroniPid, '', 5000);
    removePid(ctx.p, node);
  }
  return { node, at, ...(patroniPid !== undefined ? { patroniPid } : {}), ...(pm !== undefined ? { postmasterPid: pm } : {}), killed: [...(mode === 'node' && patroniPid ? [patroniPid] : []), ...victims] };
}

/** Starts a stopped node's Patroni again (it rejoins as a replica, rewinding with pg_rewind when needed). */
export function startPgNode(ctx: StackContext, node: PgNode): number {
  const running = livePid(ctx.p, node);
  if (running !== undefined) return running;
  return launchNode(ctx, preparePgRoot(ctx.p), node);
}

/**
 * One leader running and `node` (or any replica when undefined) streaming from it as THE synchronous
 * standby, in PostgreSQL's view (pg_stat_replication sync_state 'sync') AND in Patroni's (role
 * sync_standby, from the /sync key in etcd). Both matter: in synchronous_mode Patroni promotes only the
 * standby named in /sync, and it writes that key a moment after PostgreSQL already reports 'sync'; a
 * primary killed in that window has no failover candidate and the cluster stays without a leader.
 */
export function clusterHealthy(c: PgCluster, node?: PgNode): boolean {
  const leader = c.members.find((m) => m.role === 'leader' && m.state === 'running');
  const replica = c.members.find(
    (m) => m.role === 'replica' && m.patroniRole === 'sync_standby' && m.state === 'running' && m.streaming && m.sync === 'sync' && (node === undefined || m.name === node),
  );
  return leader !== undefined && replica !== undefined && c.members.filter((m) => m.role === 'leader').length === 1;
}

/** Waits until the cluster has one running leader and `node` is its streaming sync replica. */
export async function waitClusterHealthy(ctx: StackContext, node: PgNode | undefined, timeoutMs = 120_000): Promise<PgCluster> {
  return waitHealthyCluster(ctx.t, node, timeoutMs, node ? { alive: () => livePid(ctx.p, node) !== undefined, component: node } : {});
}

/**
 * waitClusterHealthy for any stack `t` describes from this machine (the compose stack has no PID files):
 * `o.alive`, when given, fails the wait at once when the node's process is gone.
 */
export async function waitHealthyCluster(t: Topology, node: PgNode | undefined, timeoutMs: number, o: Pick<WaitOptions, 'alive' | 'component'> = {}): Promise<PgCluster> {
  return waitFor(`PostgreSQL back to a leader + streaming sync replica${node ? ` (${node})` : ''}`, async () => {
    const c = await pgCluster(t);
    if (!clusterHealthy(c, node)) {
      throw new Error(c.error ?? c.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}${m.streaming ? '/streaming' : ''}${m.sync ? '/' + m.sync : ''}`).join(', '));
    }
    return c;
  }, { timeoutMs, intervalMs: 100, ...o });
}

/** The node Patroni reports as the running leader, and the other one. */
export async function pgRoles(t: Topology): Promise<{ leader: PgNode; replica: PgNode; cluster: PgCluster }> {
  const c = await pgCluster(t);
  const leader = c.members.find((m) => m.role === 'leader' && m.state === 'running')?.name as PgNode | undefined;
  if (!leader || !PG_NODES.includes(leader)) throw new Error(`no running PostgreSQL leader: ${c.error ?? JSON.stringify(c.members)}`);
  return { leader, replica: leader === 'pg1' ? 'pg2' : 'pg1', cluster: c };
}

// ---- Redis

/** Stops Redis (SIGTERM: it writes its append-only file and exits), then starts it again; returns the outage in ms. */
/** Stops Redis (SIGTERM: it writes its append-only file and exits) and leaves it down. */
export async function stopRedis(ctx: StackContext): Promise<boolean> {
  return (await stopRecorded(ctx.p, REDIS, 10_000)) !== 'not-running';
}

export async function restartRedis(ctx: StackContext): Promise<{ downMs: number }> {
  const t0 = Date.now();
  await stopRecorded(ctx.p, REDIS, 10_000);
  await startRedis(ctx);
  return { downMs: Date.now() - t0 };
}

// ---- services

/** The service instance behind a component name (catalogo, carrinho-2, ...). */
export function serviceInstance(t: Topology, name: string): ServiceInstance {
  const s = serviceInstances(t).find((x) => x.name === name);
  if (!s) throw new Error(`no service instance "${name}" in this stack (${serviceInstances(t).map((x) => x.name).join(', ')})`);
  return s;
}

/** Kills one service instance with SIGKILL (a crash: no draining). */
export async function killService(ctx: StackContext, name: string): Promise<boolean> {
  const rec = readPid(ctx.p, name);
  if (!rec || !isAlive(rec.pid, rec.match)) return false;
  kill9(rec.pid, true);
  await waitGone(rec.pid, rec.match, 5000);
  removePid(ctx.p, name);
  return true;
}

/** Stops one service instance gracefully (SIGTERM, drain, then SIGKILL after 10 s). */
export async function stopService(ctx: StackContext, name: string): Promise<boolean> {
  return (await stopRecorded(ctx.p, name, 10_000)) !== 'not-running';
}

/** Starts one service instance exactly as the orchestrator does and waits for GET /ready. */
export async function startService(ctx: StackContext, name: string): Promise<number> {
  const s = serviceInstance(ctx.t, name);
  const running = livePid(ctx.p, name);
  if (running !== undefined) return running;
  const entry = serviceEntry(s.service as ServiceName);
  if (!fs.existsSync(entry)) throw new StartError(`${entry} does not exist: run npm run build`);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...serviceEnv(ctx.t, s.service, s.instance) };
  const pid = launch(ctx.p, { name, command: process.execPath, args: ['--enable-source-maps', entry], env, cwd: REPO_ROOT, match: entry });
  await waitFor(`${name} GET /ready`, () => serviceReady(s.port), { timeoutMs: 60_000, intervalMs: 100, alive: () => livePid(ctx.p, name) !== undefined, component: name });
  return pid;
}
