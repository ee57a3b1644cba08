/**
 * Stops everything the orchestrator started in this BRIGADEIRO_HOME, by the PIDs in run/ only:
 * services and nginx first (they hold database and Redis connections), then the Patroni nodes (each
 * stops its PostgreSQL), HAProxy, Redis and the etcd members last, together (Patroni needs etcd while shutting down).
 * Idempotent: with nothing running it says so and succeeds.
 */
import fs from 'node:fs';
import type { StackContext } from './context';
import { ETCD_MEMBERS } from './etcd';
import { HAPROXY, statsSocket } from './haproxy';
import { PG_NODES, stopPatroni } from './patroni';
import { isAlive, livePid, pidNames, readPid, removePid, stopRecorded } from './process';
import { REDIS } from './redis';

const INFRA = new Set<string>([...ETCD_MEMBERS, HAPROXY, REDIS, ...PG_NODES]);

/** Components with a live PID (stale PID files are removed on the way). */
export function runningComponents(ctx: StackContext): { name: string; pid: number }[] {
  const out: { name: string; pid: number }[] = [];
  for (const name of pidNames(ctx.p)) {
    const pid = livePid(ctx.p, name);
    if (pid === undefined) removePid(ctx.p, name);
    else out.push({ name, pid });
  }
  return out;
}

async function stopGroup(ctx: StackContext, names: string[], graceMs: number): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const how = await stopRecorded(ctx.p, name, graceMs);
      if (how !== 'not-running') ctx.say(`  ${name}: ${how}`);
    }),
  );
}

/** Returns false when nothing was running. Throws if a recorded process survived. */
export async function stopStack(ctx: StackContext): Promise<boolean> {
  const running = runningComponents(ctx);
  if (running.length === 0) return false;
  const recorded = running.map((r) => ({ name: r.name, pid: r.pid, match: readPid(ctx.p, r.name)?.match ?? '' }));
  const names = new Set(running.map((r) => r.name));
  // Services get 10 s to drain (their SIGTERM handlers close servers and pools), then SIGKILL.
  await stopGroup(ctx, [...names].filter((n) => !INFRA.has(n)), 10_000);
  await stopPatroni(ctx);
  await stopGroup(ctx, [HAPROXY].filter((n) => names.has(n)), 5_000);
  await stopGroup(ctx, [REDIS].filter((n) => names.has(n)), 10_000);
  await stopGroup(ctx, [...ETCD_MEMBERS].filter((n) => names.has(n)), 10_000);
  fs.rmSync(statsSocket(ctx.p), { force: true });
  const survivors = recorded.filter((r) => isAlive(r.pid, r.match));
  if (survivors.length) throw new Error(`still running after stop: ${survivors.map((s) => `${s.name} (pid ${s.pid})`).join(', ')}`);
  return true;
}
