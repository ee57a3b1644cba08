/**
 * The native stack as npm test brings it up (scripts/test.sh exports BRIGADEIRO_HOME and the port
 * offset, so loadTopology() here describes that stack): PostgreSQL pair, HAProxy routing, Redis.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { REPO_ROOT, loadTopology, redisUrl, superuserUrl } from '@brigadeiro/topology';

const run = promisify(execFile);
const t = loadTopology();

interface StatusJson {
  components: { name: string; state: string; pid: number | null }[];
  etcd: { leader: string | null; quorum: boolean; up: number; members: { name: string; up: boolean; isLeader: boolean }[] } | null;
  postgres: { leader: string | null; members: { name: string; role: string; streaming: boolean; sync: string | null; lagBytes: number | null }[] } | null;
}

async function status(): Promise<StatusJson> {
  const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
  const { stdout } = await run(tsx, [path.join(REPO_ROOT, 'scripts', 'cli', 'stack.ts'), 'status', '--json'], { env: process.env });
  return JSON.parse(stdout) as StatusJson;
}

async function inRecovery(port: number): Promise<boolean> {
  const client = new Client({ connectionString: superuserUrl(t, port), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const r = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
    return r.rows[0]!.in_recovery;
  } finally {
    await client.end();
  }
}

describe('native stack status', () => {
  test('when the stack is up, then status --json shows one leader and one streaming synchronous replica', async () => {
    const s = await status();
    const pg = s.postgres;
    expect(pg).not.toBeNull();
    const leaders = pg!.members.filter((m) => m.role === 'leader');
    const replicas = pg!.members.filter((m) => m.role === 'replica');
    expect(leaders).toHaveLength(1);
    expect(pg!.leader).toBe(leaders[0]!.name);
    expect(replicas).toHaveLength(1);
    expect(replicas[0]).toMatchObject({ streaming: true, sync: 'sync' });
    expect(typeof replicas[0]!.lagBytes).toBe('number');
    for (const name of ['etcd1', 'etcd2', 'etcd3', 'pg1', 'pg2', 'haproxy', 'redis']) {
      expect(s.components.find((c) => c.name === name)).toMatchObject({ state: 'running' });
    }
  });

  test('when the stack is up, then status --json shows three etcd members up with exactly one etcd leader', async () => {
    const s = await status();
    expect(s.etcd).toMatchObject({ quorum: true, up: 3 });
    expect(s.etcd!.members.map((m) => m.name)).toEqual(['etcd1', 'etcd2', 'etcd3']);
    expect(s.etcd!.members.every((m) => m.up)).toBe(true);
    const leaders = s.etcd!.members.filter((m) => m.isLeader);
    expect(leaders).toHaveLength(1);
    expect(s.etcd!.leader).toBe(leaders[0]!.name);
    expect(s.components.find((c) => c.name === s.etcd!.leader)).toMatchObject({ detail: 'etcd leader' });
  });

  test('when connecting to the HAProxy read-write endpoint, then it reaches the primary', async () => {
    expect(await inRecovery(t.ports.pgRw)).toBe(false);
  });

  test('when connecting to the HAProxy read-only endpoint, then it reaches the replica', async () => {
    expect(await inRecovery(t.ports.pgRo)).toBe(true);
  });

  test('when asking Redis for its persistence settings, then appendonly is on', async () => {
    const redis = new Redis(redisUrl(t), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    } finally {
      redis.disconnect();
    }
  });
});
