/**
 * `status`: every component with its address, PID and state (running: process alive and its health
 * check answers; unhealthy: alive but the check fails; stopped: no live process), and PostgreSQL's
 * roles, replication mode and lag as Patroni and the leader's pg_stat_replication report them.
 */
import { HOST, components, etcdPorts } from '@brigadeiro/topology';
import type { ComponentState, StackContext } from './context';
import { ETCD_MEMBERS, type EtcdCluster, type EtcdMember, etcdCluster, etcdHealthy } from './etcd';
import { haproxyServers } from './haproxy';
import { type PgCluster, type PgNode, nodePorts, pgCluster } from './patroni';
import { livePid } from './process';
import { httpRequest, redisPing } from './probe';
import { serviceReady } from './services';

export interface ComponentStatus {
  name: string;
  kind: 'infra' | 'service' | 'gateway';
  address: string;
  port: number;
  pid: number | null;
  state: ComponentState;
  detail?: string;
}

export interface StackStatus {
  home: string;
  components: ComponentStatus[];
  /** The etcd members' raft view (each member's /v3/maintenance/status); null when none is running. */
  etcd: EtcdCluster | null;
  postgres: PgCluster | null;
}

const isEtcd = (name: string): name is EtcdMember => (ETCD_MEMBERS as readonly string[]).includes(name);

const addr = (port: number) => `${HOST}:${port}`;

function describeAddress(ctx: StackContext, name: string, port: number): string {
  const { t } = ctx;
  switch (name) {
    case 'etcd1':
    case 'etcd2':
    case 'etcd3':
      return `${addr(port)} (peer ${etcdPorts(t, name).peer})`;
    case 'pg1':
    case 'pg2':
      return `${addr(port)} (patroni ${nodePorts(t, name as PgNode).rest})`;
    case 'haproxy':
      return `rw ${addr(t.ports.pgRw)} ro ${t.ports.pgRo} stats ${t.ports.haproxyStats}`;
    case 'nginx':
      return `http://${addr(port)}`;
    default:
      return addr(port);
  }
}

async function healthCheck(ctx: StackContext, name: string, kind: string, port: number): Promise<void> {
  const { t, p } = ctx;
  if (isEtcd(name)) {
    await etcdHealthy(port);
  } else if (name === 'pg1' || name === 'pg2') {
    const a = await httpRequest(nodePorts(t, name).rest, '/health', 'OPTIONS', 1500);
    if (a.status !== 200) throw new Error(`Patroni /health answered ${a.status} (PostgreSQL not running)`);
  } else if (name === 'haproxy') {
    const up = (await haproxyServers(p)).filter((s) => s.backend === 'be_primary' && s.status === 'UP');
    if (up.length !== 1) throw new Error(`${up.length} servers UP in be_primary (expected 1)`);
  } else if (name === 'redis') {
    await redisPing(port);
  } else if (kind === 'service') {
    await serviceReady(port);
  } else {
    await httpRequest(port, '/', 'GET', 1500);
  }
}

export async function collectStatus(ctx: StackContext): Promise<StackStatus> {
  const list = components(ctx.t);
  const rows = await Promise.all(
    list.map(async (c): Promise<ComponentStatus> => {
      const pid = livePid(ctx.p, c.name) ?? null;
      const row: ComponentStatus = { name: c.name, kind: c.kind, address: describeAddress(ctx, c.name, c.port), port: c.port, pid, state: 'stopped' };
      if (pid === null) return row;
      try {
        await healthCheck(ctx, c.name, c.kind, c.port);
        row.state = 'running';
      } catch (e) {
        row.state = 'unhealthy';
        row.detail = e instanceof Error ? e.message : String(e);
      }
      return row;
    }),
  );
  const anyPg = rows.some((r) => (r.name === 'pg1' || r.name === 'pg2') && r.pid !== null);
  const anyEtcd = rows.some((r) => isEtcd(r.name) && r.pid !== null);
  const [etcd, postgres] = await Promise.all([anyEtcd ? etcdCluster(ctx.t) : null, anyPg ? pgCluster(ctx.t) : null]);
  // The raft role goes in the member's row too, so the table shows which member leads.
  for (const m of etcd?.members ?? []) {
    const row = rows.find((r) => r.name === m.name);
    if (row?.state === 'running') row.detail = m.isLeader ? 'etcd leader' : 'follower';
  }
  return { home: ctx.t.home, components: rows, etcd, postgres };
}

function table(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...body.map(line)].join('\n');
}

function formatLag(bytes: number | null, seconds: number | null): string {
  const b = bytes === null ? '? B' : `${bytes} B`;
  const s = seconds === null ? '? s' : `${seconds.toFixed(3)} s`;
  return `${b} / ${s}`;
}

export function formatPostgres(pg: PgCluster | null): string {
  if (!pg) return 'PostgreSQL: not running';
  const lines = [`PostgreSQL: leader ${pg.leader ?? 'NONE'}`];
  for (const m of pg.members) {
    if (m.role === 'leader') {
      lines.push(`  ${m.name}  leader   ${m.state}  timeline ${m.timeline ?? '?'}  ${m.address}`);
    } else {
      const repl = m.streaming ? `streaming ${m.sync ?? '?'}` : `not streaming (${m.state})`;
      lines.push(`  ${m.name}  replica  ${repl}  lag ${formatLag(m.lagBytes, m.lagSeconds)}  ${m.address}`);
    }
  }
  if (pg.error) lines.push(`  (${pg.error})`);
  return lines.join('\n');
}

export function formatEtcd(e: EtcdCluster | null): string {
  if (!e) return 'etcd: not running';
  const q = e.quorum ? `quorum (${e.up} of ${e.members.length} members up)` : `NO QUORUM (${e.up} of ${e.members.length} members up)`;
  return `etcd: leader ${e.leader ?? 'NONE'}, ${q}`;
}

export function formatStatus(s: StackStatus): string {
  const body = s.components.map((c) => [c.name, c.address, c.pid === null ? '-' : String(c.pid), c.state + (c.detail ? `: ${c.detail}` : '')]);
  return `${table(['COMPONENT', 'ADDRESS', 'PID', 'STATE'], body)}\n\n${formatEtcd(s.etcd)}\n${formatPostgres(s.postgres)}\nstate folder: ${s.home}`;
}
