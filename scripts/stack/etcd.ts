/**
 * etcd: three members (etcd1..etcd3), v3 API, loopback; Patroni keeps the leader key and the member list in
 * it. Three so that any one member can die without the cluster losing its quorum (2 of 3).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ETCD_MEMBERS, type EtcdMember, HOST, type Topology, etcdPorts, initialCluster } from '@brigadeiro/topology';
import type { StackContext } from './context';
import { launch, livePid, readPid, removePid, signal, waitGone } from './process';
import { StartError, httpJson, waitFor } from './probe';
import { infraFile, writeRendered } from '../../infra/template';

export { ETCD_MEMBERS, type EtcdMember };


/** Starts one member (its config rendered from the template) as a detached process with its PID file. */
export function launchEtcdMember(ctx: StackContext, member: EtcdMember): number {
  const { t, p } = ctx;
  const dataDir = path.join(p.dataDir, member);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const conf = writeRendered(infraFile('etcd', 'etcd.conf.yml.tmpl'), path.join(p.configDir, `${member}.conf.yml`), {
    NAME: member,
    DATA_DIR: dataDir,
    CLIENT_PORT: etcdPorts(t, member).client,
    PEER_PORT: etcdPorts(t, member).peer,
    INITIAL_CLUSTER: initialCluster(t),
  });
  return launch(p, { name: member, command: 'etcd', args: ['--config-file', conf], match: 'etcd' });
}

/**
 * Starts the members that are not running, all at once (a new cluster cannot elect a leader before a quorum
 * of members is up, so starting them one by one would only wait longer), and waits until each started one
 * reports healthy, which etcd only does once the cluster has a leader.
 */
export async function startEtcd(ctx: StackContext, members: readonly EtcdMember[] = ETCD_MEMBERS): Promise<EtcdMember[]> {
  const down = members.filter((m) => livePid(ctx.p, m) === undefined);
  for (const m of down) launchEtcdMember(ctx, m);
  await Promise.all(
    down.map((m) =>
      waitFor(`etcd member ${m}`, () => etcdHealthy(etcdPorts(ctx.t, m).client), { timeoutMs: 30_000, alive: () => livePid(ctx.p, m) !== undefined, component: m }),
    ),
  );
  return down;
}

/** SIGKILL one member (a dying machine: no goodbye to its peers) and wait until it is gone. */
export async function killEtcdMember(ctx: StackContext, member: EtcdMember): Promise<boolean> {
  const rec = readPid(ctx.p, member);
  if (!rec || livePid(ctx.p, member) === undefined) {
    removePid(ctx.p, member);
    return false;
  }
  signal(rec.pid, 'SIGKILL', true);
  if (!(await waitGone(rec.pid, rec.match, 10_000))) throw new StartError(`etcd member ${member} (pid ${rec.pid}) survived SIGKILL`, member);
  removePid(ctx.p, member);
  return true;
}

export async function etcdHealthy(port: number): Promise<boolean> {
  const h = await httpJson<{ health?: string }>(port, '/health');
  if (h.health !== 'true') throw new Error(`etcd /health says ${JSON.stringify(h)}`);
  return true;
}

interface MaintenanceStatus {
  header?: { member_id?: string; raft_term?: string };
  version?: string;
  leader?: string;
  raftIndex?: string;
}

/** POST to etcd's gRPC gateway (the /v3 API takes JSON bodies over POST only). */
function postJson<T>(port: number, urlPath: string, body: unknown, timeoutMs = 1500): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { host: HOST, port, path: urlPath, method: 'POST', timeout: timeoutMs, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`POST ${urlPath} answered ${res.statusCode}: ${text.slice(0, 200)}`));
          else {
            try {
              resolve(JSON.parse(text) as T);
            } catch (e) {
              reject(e instanceof Error ? e : new Error(String(e)));
            }
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

export interface EtcdMemberStatus {
  name: EtcdMember;
  client: number;
  peer: number;
  /** Reachable and answering its maintenance status. */
  up: boolean;
  /** This member is the raft leader. */
  isLeader: boolean;
  raftTerm: number | null;
  raftIndex: number | null;
  error?: string;
}

export interface EtcdCluster {
  /** The member every reachable member names as raft leader; null when none (no quorum) or they disagree. */
  leader: EtcdMember | null;
  /** Members up; a quorum is 2 of 3. */
  up: number;
  quorum: boolean;
  members: EtcdMemberStatus[];
}

/** Each member's /v3/maintenance/status, asked in parallel; never throws. */
export async function etcdCluster(t: Topology): Promise<EtcdCluster> {
  const members = await Promise.all(
    ETCD_MEMBERS.map(async (name): Promise<EtcdMemberStatus> => {
      const { client, peer } = etcdPorts(t, name);
      const row: EtcdMemberStatus = { name, client, peer, up: false, isLeader: false, raftTerm: null, raftIndex: null };
      try {
        const s = await postJson<MaintenanceStatus>(client, '/v3/maintenance/status', {});
        row.up = true;
        row.isLeader = !!s.leader && s.leader !== '0' && s.leader === s.header?.member_id;
        row.raftTerm = s.header?.raft_term ? Number(s.header.raft_term) : null;
        row.raftIndex = s.raftIndex ? Number(s.raftIndex) : null;
      } catch (e) {
        row.error = e instanceof Error ? e.message : String(e);
      }
      return row;
    }),
  );
  const leaders = members.filter((m) => m.isLeader);
  const up = members.filter((m) => m.up).length;
  // A member cut off from its peers may still claim leadership for a moment: only a leader with a quorum counts.
  const quorum = up * 2 > ETCD_MEMBERS.length && leaders.length === 1;
  return { leader: quorum ? leaders[0]!.name : null, up, quorum, members };
}

/** "etcd1 leader, etcd2 follower, etcd3 DOWN" for messages. */
export function describeEtcd(c: EtcdCluster): string {
  return c.members.map((m) => `${m.name} ${m.up ? (m.isLeader ? 'leader' : 'follower') : 'DOWN'}`).join(', ');
}
