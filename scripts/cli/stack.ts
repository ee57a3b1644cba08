/**
 * The native stack orchestrator (no Docker): `npm start`, `npm stop`, `npm run status`.
 *
 *   stack.ts start [--detach] [--scale carrinho=N] [--fresh] [--build]
 *   stack.ts stop
 *   stack.ts status [--json]
 *
 * State (configs, data, logs/<name>.log, run/<name>.pid) lives in BRIGADEIRO_HOME (default
 * <repo>/.brigadeiro); ports come from packages/topology. See scripts/stack/*.ts for each step.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MAX_CARRINHO_INSTANCES, REPO_ROOT } from '@brigadeiro/topology';
import { type StackContext, stackContext } from '../stack/context';
import { followLogs } from '../stack/follow';
import { ensureDirs } from '../stack/layout';
import { alreadyRunningMessage, startStack, wipeState } from '../stack/start';
import { topologyForStart, topologyOfRunningStack } from '../stack/state';
import { collectStatus, formatStatus } from '../stack/status';
import { runningComponents, stopStack } from '../stack/stop';
import { parse, runCli, UsageError } from './args';

const USAGE = `usage: stack.ts start [--detach] [--scale carrinho=N] [--fresh] [--build] | stop | status [--json]
  (npm start -- OPTIONS runs start --build OPTIONS; npm stop runs stop; npm run status -- --json runs status --json)
  start            start every component, print a summary, follow the logs; Ctrl-C stops everything
    --detach       return once everything is ready (stop later with npm stop)
    --scale carrinho=N   run N carrinho instances (1..${MAX_CARRINHO_INSTANCES}; default 3 or BRIGADEIRO_CARRINHO_INSTANCES)
    --fresh        wipe the state folder (data, logs) first
    --build        build the services first (scripts/cli/build.ts), once the options are checked
  stop             stop everything this state folder's stack started
  status [--json]  every component's address, PID and state; PostgreSQL roles, sync state and lag`;

/** --scale's value: only carrinho scales, from 1 to MAX_CARRINHO_INSTANCES instances. */
function parseScale(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^([^=]*)=(\d+)$/.exec(raw);
  if (m && m[1] !== 'carrinho') throw new UsageError(`--scale ${raw}: only carrinho can be scaled (--scale carrinho=N)`);
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || n > MAX_CARRINHO_INSTANCES) throw new UsageError(`--scale ${raw}: expected carrinho=N with N from 1 to ${MAX_CARRINHO_INSTANCES}`);
  return n;
}

async function stop(ctx: StackContext): Promise<number> {
  ctx.say(`stopping the stack in ${ctx.t.home}`);
  const t0 = Date.now();
  const stopped = await stopStack(ctx);
  ctx.say(stopped ? `stopped (${((Date.now() - t0) / 1000).toFixed(1)} s)` : 'nothing was running');
  return 0;
}

interface StartOptions {
  detach: boolean;
  fresh: boolean;
  build: boolean;
  scale: number | undefined;
}

/** The build npm start asks for (--build), after the options were checked: a typo fails before it, not after. */
function build(): boolean {
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'scripts', 'cli', 'build.ts')], { stdio: 'inherit' });
  return r.status === 0;
}

async function start({ detach, fresh, build: buildFirst, scale }: StartOptions): Promise<number> {
  const ctx = stackContext(topologyForStart(scale));
  const running = runningComponents(ctx);
  if (running.length) {
    ctx.say(alreadyRunningMessage(ctx, running));
    return 1;
  }
  if (buildFirst && !build()) return 1;
  if (fresh) wipeState(ctx);
  ensureDirs(ctx.p);

  // Ctrl-C (or SIGTERM) at any time, during start or while following logs: stop everything, then exit.
  const follow: { stop?: () => void } = {};
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    follow.stop?.();
    ctx.say(`\n${sig}: stopping the stack`);
    stop(ctx).then(
      () => process.exit(0),
      (e: unknown) => {
        ctx.say(e instanceof Error ? e.message : String(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const r = await startStack(ctx, detach);
  if (stopping) return new Promise<number>(() => undefined); // the signal handler finishes and exits
  if (!r.ok) return 1;
  const status = await collectStatus(ctx);
  process.stdout.write(`\n${formatStatus(status)}\n\nstack ready in ${(r.ms / 1000).toFixed(1)} s; logs in ${ctx.p.logsDir}\n`);
  if (detach) {
    process.stdout.write('running in the background: `npm run status` to look, `npm stop` to stop\n');
    return 0;
  }
  process.stdout.write('following logs; Ctrl-C stops the stack\n\n');
  follow.stop = followLogs(ctx, r.started);
  return new Promise<number>(() => undefined); // runs until a signal
}

/** Checks the whole command line before anything runs: a wrong word exits 2 with the usage and touches nothing. */
async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'start': {
      const { values: v } = parse(args, { detach: { type: 'boolean' }, fresh: { type: 'boolean' }, build: { type: 'boolean' }, scale: { type: 'string' } });
      return start({ detach: v.detach === true, fresh: v.fresh === true, build: v.build === true, scale: parseScale(v.scale) });
    }
    case 'stop':
      parse(args, {});
      return stop(stackContext(topologyOfRunningStack()));
    case 'status': {
      const { values: v } = parse(args, { json: { type: 'boolean' } });
      const ctx = stackContext(topologyOfRunningStack());
      const s = await collectStatus(ctx);
      process.stdout.write(v.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s) + '\n');
      return 0;
    }
    case undefined:
      throw new UsageError('name a command: start, stop or status');
    default:
      if (cmd.startsWith('-')) parse([cmd], {}); // -h/--help, or an option with no command: named as such
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

runCli('stack', USAGE, main);
