/**
 * `start`: brings the stack up in dependency order, each step waiting on observed readiness:
 * etcd (three members at once, until they have a leader) -> Patroni pg1 + pg2 (leader + streaming synchronous replica) -> HAProxy (routing settled) ->
 * Redis -> database bootstrap, migrations, seed -> services (GET /ready) -> nginx (gateway answers).
 * A failure stops whatever was started and reports the failing component with the tail of its log.
 */
import fs from 'node:fs';
import { type PortName, carrinhoPort, portEnvName } from '@brigadeiro/topology';
import type { StackContext } from './context';
import { prepareDatabases } from './database';
import { ETCD_MEMBERS, startEtcd } from './etcd';
import { startHaproxy } from './haproxy';
import { logFile, removePgRoot } from './layout';
import { startNginx } from './nginx';
import { startPatroni } from './patroni';
import { StartError, portFree } from './probe';
import { tailLog } from './process';
import { startRedis } from './redis';
import { serviceInstances, startServices } from './services';
import { writeState } from './state';
import { runningComponents, stopStack } from './stop';

/** Which component binds each port, for the "port in use" message. */
const PORT_OWNERS: Partial<Record<PortName, string>> = {
  etcd1Client: 'etcd1 (client)',
  etcd1Peer: 'etcd1 (peer)',
  etcd2Client: 'etcd2 (client)',
  etcd2Peer: 'etcd2 (peer)',
  etcd3Client: 'etcd3 (client)',
  etcd3Peer: 'etcd3 (peer)',
  pg1: 'PostgreSQL pg1',
  pg2: 'PostgreSQL pg2',
  patroni1: 'Patroni pg1 REST API',
  patroni2: 'Patroni pg2 REST API',
  pgRw: 'HAProxy read-write endpoint',
  pgRo: 'HAProxy read-only endpoint',
  haproxyStats: 'HAProxy stats page',
  redis: 'Redis',
  gateway: 'nginx gateway',
  catalogo: 'catalogo',
  pedidos: 'pedidos',
  pagamentos: 'pagamentos',
  estoque: 'estoque',
  fiscal: 'fiscal',
  logistica: 'logistica',
};

/** Every port the stack will bind, checked before anything starts (one message listing all conflicts). */
export async function checkPorts(ctx: StackContext): Promise<void> {
  const { t } = ctx;
  const wanted: { port: number; owner: string; env: string }[] = [];
  for (const [name, owner] of Object.entries(PORT_OWNERS) as [PortName, string][]) {
    wanted.push({ port: t.ports[name], owner, env: portEnvName(name) });
  }
  for (let i = 1; i <= t.carrinhoInstances; i++) {
    wanted.push({ port: carrinhoPort(t, i), owner: `carrinho-${i}`, env: `${portEnvName('carrinhoBase')} (carrinho-i listens on base + i)` });
  }
  const busy: string[] = [];
  const seen = new Map<number, string>();
  for (const w of wanted) {
    const other = seen.get(w.port);
    if (other) busy.push(`  port ${w.port} is configured for both ${other} and ${w.owner}: move one with ${w.env}=<port>`);
    seen.set(w.port, w.owner);
  }
  for (const w of wanted) {
    if (!(await portFree(w.port))) busy.push(`  port ${w.port} (${w.owner}) is already in use: free it or move it with ${w.env}=<port>`);
  }
  if (busy.length) {
    throw new StartError(`cannot start, port conflicts:\n${busy.join('\n')}\n  (BRIGADEIRO_PORT_OFFSET=<n> shifts every port at once)`);
  }
}

export function alreadyRunningMessage(ctx: StackContext, running: { name: string; pid: number }[]): string {
  const home = process.env.BRIGADEIRO_HOME ? `BRIGADEIRO_HOME=${ctx.t.home} ` : '';
  return (
    `a stack is already running in ${ctx.t.home} (${running.length} processes: ` +
    `${running.slice(0, 3).map((r) => `${r.name} pid ${r.pid}`).join(', ')}${running.length > 3 ? ', ...' : ''}).\n` +
    `See it with \`${home}npm run status\`; stop it with \`${home}npm stop\` before starting again.`
  );
}

/** Wipes the state of a stopped stack (data dirs, logs, configs): `start --fresh`. */
export function wipeState(ctx: StackContext): void {
  const { p } = ctx;
  removePgRoot(p);
  for (const dir of [p.configDir, p.dataDir, p.nginxPrefix, p.logsDir, p.runDir]) fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(p.stateFile, { force: true });
}

export interface StartResult {
  ok: boolean;
  ms: number;
  /** Names of the components that were started (log names). */
  started: string[];
}

export async function startStack(ctx: StackContext, detached: boolean): Promise<StartResult> {
  const begun = Date.now();
  const started: string[] = [];
  const step = async <T>(title: string, names: string[], fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    ctx.say(`starting ${title}`);
    started.push(...names);
    const r = await fn();
    ctx.say(`  ${title} ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return r;
  };
  try {
    await checkPorts(ctx);
    writeState(ctx.p, ctx.t, detached);
    await step('etcd (3 members)', [...ETCD_MEMBERS], () => startEtcd(ctx));
    await step('PostgreSQL (Patroni pg1, pg2)', ['pg1', 'pg2'], () => startPatroni(ctx));
    await step('HAProxy', ['haproxy'], () => startHaproxy(ctx));
    await step('Redis', ['redis'], () => startRedis(ctx));
    await step('databases (bootstrap, migrations, seed)', [], () => prepareDatabases(ctx));
    const services = serviceInstances(ctx.t).map((s) => s.name);
    const up = await step('services', services, () => startServices(ctx));
    started.splice(started.length - services.length, services.length, ...up.map((s) => s.name));
    await step('nginx', ['nginx'], () => startNginx(ctx));
    return { ok: true, ms: Date.now() - begun, started };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const component = e instanceof StartError ? e.component : undefined;
    ctx.say(`\nstart failed: ${msg}`);
    if (component) ctx.say(`last lines of ${logFile(ctx.p, component)}:\n${tailLog(ctx.p, component)}`);
    else if (!(e instanceof StartError) && e instanceof Error && e.stack) ctx.say(e.stack);
    if (runningComponents(ctx).length) {
      ctx.say('stopping what was started...');
      await stopStack(ctx).catch((err: unknown) => ctx.say(`  ${err instanceof Error ? err.message : String(err)}`));
    }
    return { ok: false, ms: Date.now() - begun, started };
  }
}
