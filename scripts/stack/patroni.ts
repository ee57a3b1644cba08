/**
 * Two Patroni nodes (pg1, pg2) managing PostgreSQL 15 with synchronous replication; etcd is their DCS.
 * Both run as the postgres OS user (PostgreSQL refuses root). Their configs, data dirs and sockets live
 * in the PostgreSQL folder of the state dir (see layout.preparePgRoot for when that is in /var/tmp).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { HOST, type Topology, etcdHosts } from '@brigadeiro/topology';
import type { StackContext } from './context';
import { PG_OS_HOME, PG_OS_USER, type StackPaths, preparePgRoot } from './layout';
import { isAlive, launch, livePid, signal, stopRecorded, waitGone } from './process';
import { StartError, httpJson, waitFor } from './probe';
import { infraFile, writeRendered } from '../../infra/template';

export const PG_NODES = ['pg1', 'pg2'] as const;
export type PgNode = (typeof PG_NODES)[number];

export function nodePorts(t: Topology, node: PgNode): { pg: number; rest: number } {
  return node === 'pg1' ? { pg: t.ports.pg1, rest: t.ports.patroni1 } : { pg: t.ports.pg2, rest: t.ports.patroni2 };
}

const isRoot = () => process.getuid?.() === 0;

function renderNodeConfig(ctx: StackContext, pgRoot: string, node: PgNode): string {
  const { t } = ctx;
  const ports = nodePorts(t, node);
  const target = path.join(pgRoot, `${node}.yml`);
  // The file holds passwords: readable by its owner (postgres) only.
  writeRendered(infraFile('postgres', 'patroni.yml.tmpl'), target, {
    NAME: node,
    REST_PORT: ports.rest,
    ETCD_HOSTS: etcdHosts(t),
    PG_PORT: ports.pg,
    DATA_DIR: path.join(pgRoot, node),
    PGPASS: path.join(pgRoot, `${node}.pgpass`),
    SOCKET_DIR: pgRoot,
    SUPERUSER: t.superuser.user,
    SUPERUSER_PASSWORD: t.superuser.password.replace(/'/g, "''"),
    REPLICATION_USER: t.replication.user,
    REPLICATION_PASSWORD: t.replication.password.replace(/'/g, "''"),
  }, 0o600);
  if (isRoot()) spawnSync('chown', [`${PG_OS_USER}:${PG_OS_USER}`, target]);
  return target;
}

/** Starts one Patroni node (config rendered from the template) as a detached process with its PID file. */
export function launchNode(ctx: StackContext, pgRoot: string, node: PgNode): number {
  const yml = renderNodeConfig(ctx, pgRoot, node);
  // As root: `env HOME=... setpriv ... -- patroni <yml>`; env and setpriv exec in place, so the PID we
  // record is Patroni's own (runuser/su would stay around as a parent).
  const [command, args] = isRoot()
    ? ['env', [`HOME=${PG_OS_HOME}`, 'setpriv', `--reuid=${PG_OS_USER}`, `--regid=${PG_OS_USER}`, '--init-groups', '--', 'patroni', yml]]
    : ['patroni', [yml]];
  return launch(ctx.p, { name: node, command, args: args as string[], cwd: pgRoot, match: 'patroni' });
}

/**
 * Starts both nodes and waits for a leader and a streaming synchronous replica. On a fresh cluster pg1 is
 * started alone first so that it, predictably, bootstraps and leads (pg2 then clones it); an existing
 * cluster starts both at once and Patroni decides (after a failover demo pg2 may be the one that leads).
 */
export async function startPatroni(ctx: StackContext): Promise<Record<PgNode, number>> {
  const pgRoot = preparePgRoot(ctx.p);
  const fresh = PG_NODES.every((n) => !fs.existsSync(path.join(pgRoot, n, 'PG_VERSION')));
  const pids = {} as Record<PgNode, number>;
  const alive = () => (Object.keys(pids) as PgNode[]).every((n) => livePid(ctx.p, n) !== undefined);
  const deadNode = () => (Object.keys(pids) as PgNode[]).find((n) => livePid(ctx.p, n) === undefined);
  try {
    for (const node of PG_NODES) {
      pids[node] = launchNode(ctx, pgRoot, node);
      if (fresh && node === 'pg1') {
        await waitFor('PostgreSQL pg1 bootstrap (Patroni)', async () => {
          const c = await pgCluster(ctx.t);
          if (c.leader !== 'pg1' || c.members.find((m) => m.name === 'pg1')?.state !== 'running') throw new Error(describe(c));
          return true;
        }, { timeoutMs: 90_000, alive, component: 'pg1' });
      }
    }
    const leader = await waitFor('PostgreSQL leader (Patroni)', async () => {
      const c = await pgCluster(ctx.t);
      const l = c.members.find((m) => m.role === 'leader' && m.state === 'running');
      if (!l) throw new Error(`no running leader yet: ${describe(c)}`);
      return l.name;
    }, { timeoutMs: 90_000, alive, component: 'pg1' });
    ctx.say(`  postgres leader is ${leader}; waiting for the synchronous replica`);
    await waitFor('PostgreSQL synchronous replica (Patroni)', async () => {
      const c = await pgCluster(ctx.t);
      const r = c.members.find((m) => m.role === 'replica' && m.streaming && m.sync === 'sync');
      if (!r) throw new Error(`no streaming sync replica yet: ${describe(c)}`);
      return r.name;
    }, { timeoutMs: 120_000, alive, component: leader === 'pg1' ? 'pg2' : 'pg1' });
  } catch (e) {
    if (e instanceof StartError) {
      const dead = deadNode();
      throw new StartError(e.message, dead ?? e.component);
    }
    throw e;
  }
  return pids;
}

function describe(c: PgCluster): string {
  if (c.error) return c.error;
  return c.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}${m.sync ? '/' + m.sync : ''}`).join(', ') || 'no members';
}

export interface PgMember {
  name: string;
  /** leader or replica (Patroni's own role name is in patroniRole: leader, sync_standby, replica). */
  role: 'leader' | 'replica';
  patroniRole: string;
  /** Patroni's member state (running, starting, stopped, ...). */
  state: string;
  address: string;
  restApi: string;
  timeline: number | null;
  /** Replicas: true when the leader's pg_stat_replication shows it streaming. */
  streaming: boolean;
  /** Replicas: pg_stat_replication.sync_state (sync, async, potential, quorum), null when unknown. */
  sync: string | null;
  /** Replicas: WAL bytes the replica has still to replay (leader's current LSN - replay LSN). */
  lagBytes: number | null;
  /** Replicas: pg_stat_replication.replay_lag in seconds (0 when fully caught up and idle). */
  lagSeconds: number | null;
}

export interface PgCluster {
  leader: string | null;
  members: PgMember[];
  error?: string;
}

interface PatroniClusterJson {
  members?: { name: string; role: string; state: string; host?: string; port?: number; api_url?: string; timeline?: number; lag?: number | string }[];
}

interface ReplicationRow {
  application_name: string;
  state: string;
  sync_state: string;
  lag_bytes: string | null;
  lag_seconds: number | null;
}

async function replicationRows(t: Topology, leaderPort: number): Promise<ReplicationRow[]> {
  const client = new Client({
    host: HOST,
    port: leaderPort,
    user: t.superuser.user,
    password: t.superuser.password,
    database: 'postgres',
    connectionTimeoutMillis: 2000,
    statement_timeout: 2000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query<ReplicationRow>(
      `SELECT application_name, state, sync_state,
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS lag_bytes,
              extract(epoch FROM replay_lag)::float8 AS lag_seconds
         FROM pg_stat_replication`,
    );
    return r.rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The cluster as Patroni's REST /cluster sees it (asked to either node), completed with the leader's
 * pg_stat_replication (streaming, sync state, lag). Never throws: failures land in `error`.
 */
export async function pgCluster(t: Topology): Promise<PgCluster> {
  let json: PatroniClusterJson | undefined;
  const errors: string[] = [];
  for (const node of PG_NODES) {
    try {
      json = await httpJson<PatroniClusterJson>(nodePorts(t, node).rest, '/cluster', 1500);
      break;
    } catch (e) {
      errors.push(`${node}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!json) return { leader: null, members: [], error: `Patroni REST API unreachable (${errors.join('; ')})` };
  const members: PgMember[] = (json.members ?? []).map((m) => ({
    name: m.name,
    role: m.role === 'leader' || m.role === 'standby_leader' ? 'leader' : 'replica',
    patroniRole: m.role,
    state: m.state,
    address: m.host ? `${m.host}:${m.port ?? ''}` : '',
    restApi: m.api_url ?? '',
    timeline: m.timeline ?? null,
    streaming: false,
    sync: null,
    lagBytes: typeof m.lag === 'number' ? m.lag : null,
    lagSeconds: null,
  }));
  const leader = members.find((m) => m.role === 'leader');
  let error: string | undefined;
  if (leader && leader.state === 'running') {
    const port = PG_NODES.includes(leader.name as PgNode) ? nodePorts(t, leader.name as PgNode).pg : Number(leader.address.split(':')[1]);
    try {
      const rows = await replicationRows(t, port);
      for (const m of members) {
        const row = rows.find((r) => r.application_name === m.name);
        if (!row || m.role === 'leader') continue;
        m.streaming = row.state === 'streaming';
        m.sync = row.sync_state;
        if (row.lag_bytes !== null) m.lagBytes = Number(row.lag_bytes);
        m.lagSeconds = row.lag_seconds ?? (m.lagBytes === 0 ? 0 : null);
      }
    } catch (e) {
      error = `pg_stat_replication on ${leader.name}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return { leader: leader?.name ?? null, members, ...(error ? { error } : {}) };
}

/** PID of the postmaster of a node, from its data dir's postmaster.pid (first line). */
export function postmasterPid(p: StackPaths, node: PgNode): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(p.pgRoot, node, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 1 && isAlive(pid, 'postgres') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the Patroni nodes, replicas first (stopping the leader first would make the replica take over
 * just before it is stopped too). SIGTERM makes Patroni stop its PostgreSQL; then we check the postmaster
 * from postmaster.pid is gone, and only if it outlived Patroni do we stop it ourselves (fast, then immediate).
 */
export async function stopPatroni(ctx: StackContext): Promise<void> {
  const c = await pgCluster(ctx.t);
  const order = [...PG_NODES].sort((a, b) => Number(a === c.leader) - Number(b === c.leader));
  for (const node of order) {
    const pm = postmasterPid(ctx.p, node);
    const how = await stopRecorded(ctx.p, node, 30_000);
    if (how !== 'not-running') ctx.say(`  ${node}: ${how}`);
    if (pm !== undefined && !(await waitGone(pm, 'postgres', 15_000))) {
      ctx.say(`  ${node}: postmaster ${pm} outlived Patroni; stopping it`);
      for (const [sig, wait] of [['SIGINT', 10_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
        signal(pm, sig, sig === 'SIGKILL');
        if (await waitGone(pm, 'postgres', wait)) break;
      }
    }
  }
}
