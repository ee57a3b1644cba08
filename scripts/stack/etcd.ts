/** etcd: one node, v3 API, loopback; Patroni keeps the leader key and the member list in it. */
import fs from 'node:fs';
import path from 'node:path';
import type { StackContext } from './context';
import { launch, livePid } from './process';
import { httpJson, waitFor } from './probe';
import { infraFile, writeRendered } from './template';

export const ETCD = 'etcd';

export async function startEtcd(ctx: StackContext): Promise<number> {
  const { t, p } = ctx;
  const dataDir = path.join(p.dataDir, 'etcd');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const conf = writeRendered(infraFile('etcd', 'etcd.conf.yml.tmpl'), path.join(p.configDir, 'etcd.conf.yml'), {
    DATA_DIR: dataDir,
    CLIENT_PORT: t.ports.etcdClient,
    PEER_PORT: t.ports.etcdPeer,
  });
  const pid = launch(p, { name: ETCD, command: 'etcd', args: ['--config-file', conf], match: 'etcd' });
  await waitFor('etcd', () => etcdHealthy(t.ports.etcdClient), { timeoutMs: 20_000, alive: () => livePid(p, ETCD) !== undefined, component: ETCD });
  return pid;
}

export async function etcdHealthy(port: number): Promise<boolean> {
  const h = await httpJson<{ health?: string }>(port, '/health');
  if (h.health !== 'true') throw new Error(`etcd /health says ${JSON.stringify(h)}`);
  return true;
}
