/**
 * HAProxy: the read-write (pgRw -> primary) and read-only (pgRo -> replica, else primary) PostgreSQL
 * endpoints, routed by Patroni's REST health checks; stats on a socket in run/ and on HTTP (haproxyStats).
 */
import path from 'node:path';
import type { StackContext } from './context';
import type { StackPaths } from './layout';
import { launch, livePid } from './process';
import { StartError, tcpExchange, waitFor } from './probe';
import { infraFile, writeRendered } from '../../infra/template';

export const HAPROXY = 'haproxy';

export const statsSocket = (p: StackPaths): string => path.join(p.runDir, 'haproxy.sock');

export async function startHaproxy(ctx: StackContext): Promise<number> {
  const { t, p } = ctx;
  const sock = statsSocket(p);
  if (Buffer.byteLength(sock) > 100) {
    throw new StartError(`the HAProxy stats socket path is too long for a Unix socket (${sock}): use a shorter BRIGADEIRO_HOME`);
  }
  const conf = writeRendered(infraFile('haproxy', 'haproxy.cfg.tmpl'), path.join(p.configDir, 'haproxy.cfg'), {
    STATS_SOCKET: sock,
    PG_RW_PORT: t.ports.pgRw,
    PG_RO_PORT: t.ports.pgRo,
    PG1_PORT: t.ports.pg1,
    PG2_PORT: t.ports.pg2,
    PATRONI1_PORT: t.ports.patroni1,
    PATRONI2_PORT: t.ports.patroni2,
    STATS_PORT: t.ports.haproxyStats,
  });
  // -db: stay in the foreground, one process (the PID we record is the one serving).
  const pid = launch(p, { name: HAPROXY, command: 'haproxy', args: ['-db', '-f', conf], match: 'haproxy' });
  // HAProxy starts with every server UP and only marks them down after failed checks: wait until the
  // checks have settled on exactly one primary and at least one replica (the read-only backend's backup
  // servers are the primary standing in: they do not count as replicas).
  await waitFor('HAProxy routing (one primary UP, one replica UP)', async () => {
    const s = await haproxyServers(p);
    const primaries = s.filter((x) => x.backend === 'be_primary' && x.status === 'UP');
    const replicas = upReplicas(s);
    if (primaries.length !== 1 || replicas.length < 1) {
      throw new Error(s.map((x) => `${x.backend}/${x.server}=${x.status}`).join(', '));
    }
    return true;
  }, { timeoutMs: 30_000, alive: () => livePid(p, HAPROXY) !== undefined, component: HAPROXY });
  return pid;
}

export interface HaproxyServer {
  backend: string;
  server: string;
  status: string;
  /** A backup server (used only while no other server of its backend is up). */
  backup: boolean;
}

/** The replicas HAProxy's read-only backend would route to: its UP servers, less the primary's backup stand-ins. */
export function upReplicas(servers: HaproxyServer[]): HaproxyServer[] {
  return servers.filter((x) => x.backend === 'be_replicas' && !x.backup && x.status === 'UP');
}

/** Servers of the PostgreSQL backends and their check status, from the stats socket (`show stat`). */
export async function haproxyServers(p: StackPaths): Promise<HaproxyServer[]> {
  const csv = await tcpExchange({ path: statsSocket(p) }, 'show stat\n', () => false, 2000);
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const col = (n: string) => header.indexOf(n);
  const [px, sv, st, bck] = [col('pxname'), col('svname'), col('status'), col('bck')];
  return lines
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND' && (f[px] ?? '').startsWith('be_'))
    .map((f) => ({ backend: f[px] ?? '', server: f[sv] ?? '', status: f[st] ?? '', backup: f[bck] === '1' }));
}
