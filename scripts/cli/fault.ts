/**
 * The other faults, one command each, on the running native stack (`npm run fault -- <fault>`):
 *
 *   replica-down          SIGKILL the replica's node (Patroni + PostgreSQL): reads fall back to the primary
 *   replica-up            start it again and wait until it streams (caught up) as the sync replica
 *   node-down <pg1|pg2>   SIGKILL that node, whatever its role;  node-up <pg1|pg2>  start it and wait
 *   redis-restart         stop Redis (SIGTERM) and start it again: carts survive (append-only file)
 *   redis-down / redis-up stop Redis and leave it down (carrinho answers 503 once its hold runs out) / start it
 *   catalogo-down         stop catalogo: the gateway serves the catalogue from its stale cache, checkouts 503
 *   catalogo-up           start it again (waits for /ready)
 *   carrinho-kill <n>     SIGKILL carrinho instance n: the gateway routes around it
 *   carrinho-up <n>       start instance n again
 *   service-down <name> / service-up <name>   the same for any service instance (pedidos, carrinho-2, ...)
 *   etcd-down [N|all]     SIGKILL etcd member N (1-3); no N: the current etcd leader (the worst single loss:
 *                         the survivors must elect a new leader first); all: every member (quorum lost)
 *   etcd-up [N|all]       start member N (no N, or all: every member that is down) and wait until healthy
 */
import type { Topology } from '@brigadeiro/topology';
import { type StackContext, stackContext } from '../stack/context';
import {
  killPgNode,
  killService,
  pgRoles,
  restartRedis,
  serviceInstance,
  startPgNode,
  startService,
  stopRedis,
  stopService,
  waitClusterHealthy,
} from '../stack/control';
import { ETCD_MEMBERS, type EtcdMember, describeEtcd, etcdCluster, killEtcdMember, startEtcd } from '../stack/etcd';
import { PG_NODES, type PgNode, pgCluster } from '../stack/patroni';
import { livePid } from '../stack/process';
import { REDIS, startRedis } from '../stack/redis';
import { serviceInstances } from '../stack/services';
import { topologyOfRunningStack } from '../stack/state';
import { parse, runCli, UsageError } from './args';

const USAGE = `usage: npm run fault -- <fault>
  replica-down | replica-up             kill the PostgreSQL replica's node / bring it back (waits until it streams)
  node-down <pg1|pg2> | node-up <pg1|pg2>
  redis-restart                         restart Redis (carts survive: append-only file)
  redis-down | redis-up                 stop Redis and leave it down / start it again
  catalogo-down | catalogo-up           stop / start catalogo (the gateway serves stale catalogue pages)
  carrinho-kill <n> | carrinho-up <n>   SIGKILL / start carrinho instance n
  service-down <name> | service-up <name>  any service instance (catalogo, pedidos, carrinho-2, ...)
  etcd-down [N|all]                     SIGKILL etcd member N (1-3; default: the current etcd leader) or all of them
  etcd-up [N|all]                       start etcd member N (default: every member that is down) and wait until healthy`;

function pgNode(arg: string | undefined): PgNode {
  if (!arg || !PG_NODES.includes(arg as PgNode)) throw new UsageError(`expected a node name (${PG_NODES.join(' or ')}), got "${arg ?? ''}"`);
  return arg as PgNode;
}

function carrinho(t: Topology, arg: string | undefined): string {
  const n = Number(arg);
  if (!/^\d+$/.test(arg ?? '') || n < 1 || n > t.carrinhoInstances) throw new UsageError(`expected a carrinho instance from 1 to ${t.carrinhoInstances}, got "${arg ?? ''}"`);
  return `carrinho-${n}`;
}

/** etcd-down/etcd-up's argument: a member number (1-3), `all`, or nothing. */
function etcdTargets(arg: string | undefined): EtcdMember[] | 'all' | undefined {
  if (arg === undefined || arg === '') return undefined;
  if (arg === 'all') return 'all';
  const n = Number(arg.replace(/^etcd/, ''));
  if (!Number.isInteger(n) || n < 1 || n > ETCD_MEMBERS.length) throw new UsageError(`expected an etcd member from 1 to ${ETCD_MEMBERS.length} or "all", got "${arg}"`);
  return [ETCD_MEMBERS[n - 1]!];
}

/** What follows each fault's name: nothing, a PostgreSQL node, a carrinho instance, a service instance, or an optional etcd member. */
const FAULTS = {
  'replica-down': 'none',
  'replica-up': 'none',
  'node-down': 'node',
  'node-up': 'node',
  'redis-restart': 'none',
  'redis-down': 'none',
  'redis-up': 'none',
  'catalogo-down': 'none',
  'catalogo-up': 'none',
  'carrinho-kill': 'carrinho',
  'carrinho-up': 'carrinho',
  'service-down': 'service',
  'service-up': 'service',
  'etcd-down': 'etcd',
  'etcd-up': 'etcd',
} as const;

/** Refuses a fault name that is not in FAULTS (own keys only: "toString" is no fault). */
function knownFault(fault: string): void {
  if (!Object.hasOwn(FAULTS, fault)) throw new UsageError(`unknown fault "${fault}"`);
}

/**
 * Refuses an unknown fault, a missing or extra argument, or one the stack `t` does not have (a UsageError),
 * so that a typo breaks nothing; returns the argument.
 */
export function checkFault(t: Topology, fault: string, args: string[]): string | undefined {
  knownFault(fault);
  const kind = FAULTS[fault as keyof typeof FAULTS];
  const [arg] = args;
  const most = kind === 'none' ? 0 : 1;
  if (args.length > most) throw new UsageError(`unexpected argument "${args[most]}": ${fault} takes ${most ? 'one' : 'none'}`);
  if (kind === 'node') pgNode(arg);
  else if (kind === 'carrinho') carrinho(t, arg);
  else if (kind === 'etcd') etcdTargets(arg);
  else if (kind === 'service') {
    if (arg === undefined) throw new UsageError(`${fault} needs a service instance (${serviceInstances(t).map((x) => x.name).join(', ')})`);
    try {
      serviceInstance(t, arg);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
    }
  }
  return arg;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one fault; returns the line to print. */
export async function runFault(ctx: StackContext, fault: string, arg?: string): Promise<string> {
  checkFault(ctx.t, fault, arg === undefined ? [] : [arg]);
  const t0 = Date.now();
  switch (fault) {
    case 'replica-down': {
      const { replica } = await pgRoles(ctx.t);
      await killPgNode(ctx, replica, 'node');
      return `replica ${replica} killed (SIGKILL, whole node); reads now fall back to the primary. Bring it back: npm run fault -- replica-up`;
    }
    case 'replica-up':
    case 'node-up': {
      const target = fault === 'node-up' ? pgNode(arg) : await downNode(ctx);
      startPgNode(ctx, target);
      await waitClusterHealthy(ctx, target, 120_000);
      return `${target} is back, streaming as the synchronous replica (${secs(Date.now() - t0)})`;
    }
    case 'node-down': {
      const node = pgNode(arg);
      await killPgNode(ctx, node, 'node');
      return `${node} killed (SIGKILL, whole node)`;
    }
    case 'redis-restart': {
      const r = await restartRedis(ctx);
      return `Redis restarted (down ${secs(r.downMs)}); carts were kept in its append-only file`;
    }
    case 'redis-down':
      await stopRedis(ctx);
      return 'Redis stopped: carrinho holds cart commands for REDIS_HOLD_MS (default 3 s), then answers 503. Back: npm run fault -- redis-up';
    case 'redis-up':
      if (livePid(ctx.p, REDIS) !== undefined) return 'Redis is already running';
      await startRedis(ctx);
      return `Redis is up (${secs(Date.now() - t0)}); carrinho reconnects within 0.2 s`;
    case 'catalogo-down':
      await stopService(ctx, 'catalogo');
      return 'catalogo stopped: the gateway serves cached catalogue pages (stale), checkouts answer 503. Back: npm run fault -- catalogo-up';
    case 'catalogo-up':
      await startService(ctx, 'catalogo');
      return `catalogo is ready (${secs(Date.now() - t0)})`;
    case 'carrinho-kill': {
      const name = carrinho(ctx.t, arg);
      await killService(ctx, name);
      return `${name} killed (SIGKILL); the gateway routes carts to the other instances. Back: npm run fault -- carrinho-up ${arg}`;
    }
    case 'carrinho-up': {
      const name = carrinho(ctx.t, arg);
      await startService(ctx, name);
      return `${name} is ready (${secs(Date.now() - t0)})`;
    }
    case 'service-down':
      await stopService(ctx, arg!);
      return `${arg} stopped`;
    case 'service-up':
      await startService(ctx, arg!);
      return `${arg} is ready (${secs(Date.now() - t0)})`;
    case 'etcd-down': {
      const which = etcdTargets(arg);
      let victims: EtcdMember[];
      if (which === 'all') victims = [...ETCD_MEMBERS];
      else if (which) victims = which;
      else {
        const c = await etcdCluster(ctx.t);
        if (!c.leader) throw new Error(`etcd has no leader to kill (${describeEtcd(c)}); name a member: etcd-down <1-3>`);
        victims = [c.leader];
      }
      const killed = (await Promise.all(victims.map(async (m) => ((await killEtcdMember(ctx, m)) ? m : undefined)))).filter(Boolean);
      if (which === 'all') {
        return `every etcd member killed (${killed.join(', ') || 'none was running'}): Patroni cannot renew the leader key; with failsafe_mode the primary keeps writing while it reaches its replica. Back: npm run fault -- etcd-up`;
      }
      return `${victims[0]} ${killed.length ? 'killed (SIGKILL)' : 'was not running'}; the other two keep the quorum. Back: npm run fault -- etcd-up ${victims[0]!.slice(4)}`;
    }
    case 'etcd-up': {
      const which = etcdTargets(arg);
      const started = await startEtcd(ctx, which === 'all' || !which ? ETCD_MEMBERS : which);
      const c = await etcdCluster(ctx.t);
      return `${started.length ? `${started.join(', ')} started` : 'nothing to start'} (${secs(Date.now() - t0)}); etcd: ${describeEtcd(c)}`;
    }
    default:
      throw new Error(`fault "${fault}" is in FAULTS but has no case here`);
  }
}

/** replica-up: the node that is not the running leader. */
async function downNode(ctx: StackContext): Promise<PgNode> {
  const c = await pgCluster(ctx.t);
  const leader = c.members.find((m) => m.role === 'leader' && m.state === 'running')?.name;
  if (!leader) throw new Error(`no running leader: ${c.error ?? JSON.stringify(c.members)}`);
  return leader === 'pg1' ? 'pg2' : 'pg1';
}

/** Checks the fault and its argument against the running stack's topology before anything is broken. */
async function main(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  const [fault, ...args] = positionals;
  if (fault === undefined) throw new UsageError('name a fault');
  knownFault(fault); // before the stack's topology is read: a misspelt fault needs no stack to be refused
  const t = topologyOfRunningStack();
  const arg = checkFault(t, fault, args);
  process.stdout.write((await runFault(stackContext(t), fault, arg)) + '\n');
  return 0;
}

if (require.main === module) runCli('fault', USAGE, main);
