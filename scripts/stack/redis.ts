/** Redis for carrinho's carts: append-only file in the state folder, loopback only. */
import fs from 'node:fs';
import path from 'node:path';
import type { StackContext } from './context';
import { launch, livePid } from './process';
import { redisPing, waitFor } from './probe';
import { infraFile, writeRendered } from '../../infra/template';

export const REDIS = 'redis';

export async function startRedis(ctx: StackContext): Promise<number> {
  const { t, p } = ctx;
  const dataDir = path.join(p.dataDir, 'redis');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const conf = writeRendered(infraFile('redis', 'redis.conf.tmpl'), path.join(p.configDir, 'redis.conf'), {
    PORT: t.ports.redis,
    DATA_DIR: dataDir,
  });
  const pid = launch(p, { name: REDIS, command: 'redis-server', args: [conf], match: 'redis-server' });
  await waitFor('redis', () => redisPing(t.ports.redis), { timeoutMs: 15_000, alive: () => livePid(p, REDIS) !== undefined, component: REDIS });
  return pid;
}
