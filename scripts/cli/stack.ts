/**
 * The native stack orchestrator (no Docker): `npm start`, `npm stop`, `npm run status`.
 *
 *   stack.ts start [--detach] [--scale carrinho=N] [--fresh]
 *   stack.ts stop
 *   stack.ts status [--json]
 *
 * State (configs, data, logs/<name>.log, run/<name>.pid) lives in BRIGADEIRO_HOME (default
 * <repo>/.brigadeiro); ports come from packages/topology. See scripts/stack/*.ts for each step.
 */
import { MAX_CARRINHO_INSTANCES } from '@brigadeiro/topology';
import { type StackContext, stackContext } from '../stack/context';
import { followLogs } from '../stack/follow';
import { ensureDirs } from '../stack/layout';
import { alreadyRunningMessage, startStack, wipeState } from '../stack/start';
import { topologyForStart, topologyOfRunningStack } from '../stack/state';
import { collectStatus, formatStatus } from '../stack/status';
import { runningComponents, stopStack } from '../stack/stop';

const USAGE = `usage: stack.ts start [--detach] [--scale carrinho=N] [--fresh] | stop | status [--json]
  start            start every component, print a summary, follow the logs; Ctrl-C stops everything
    --detach       return once everything is ready (stop later with npm stop)
    --scale carrinho=N   run N carrinho instances (1..${MAX_CARRINHO_INSTANCES}; default 3 or BRIGADEIRO_CARRINHO_INSTANCES)
    --fresh        wipe the state folder (data, logs) first
  stop             stop everything this state folder's stack started
  status [--json]  every component's address, PID and state; PostgreSQL roles, sync state and lag`;

function parseScale(args: string[]): number | undefined {
  const i = args.indexOf('--scale');
  const raw = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--scale='))?.slice('--scale='.length);
  if (raw === undefined) {
    if (i >= 0) throw new Error('--scale needs a value: --scale carrinho=N');
    return undefined;
  }
  const m = /^carrinho=(\d+)$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > MAX_CARRINHO_INSTANCES) throw new Error(`--scale ${raw}: expected carrinho=N with N from 1 to ${MAX_CARRINHO_INSTANCES}`);
  return n;
}

async function stop(ctx: StackContext): Promise<number> {
  ctx.say(`stopping the stack in ${ctx.t.home}`);
  const t0 = Date.now();
  const stopped = await stopStack(ctx);
  ctx.say(stopped ? `stopped (${((Date.now() - t0) / 1000).toFixed(1)} s)` : 'nothing was running');
  return 0;
}

async function start(args: string[]): Promise<number> {
  const detach = args.includes('--detach');
  const ctx = stackContext(topologyForStart(parseScale(args)));
  const running = runningComponents(ctx);
  if (running.length) {
    ctx.say(alreadyRunningMessage(ctx, running));
    return 1;
  }
  if (args.includes('--fresh')) wipeState(ctx);
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

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'start':
      return start(args);
    case 'stop':
      return stop(stackContext(topologyOfRunningStack()));
    case 'status': {
      const ctx = stackContext(topologyOfRunningStack());
      const s = await collectStatus(ctx);
      process.stdout.write(args.includes('--json') ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s) + '\n');
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command "${cmd}"\n${USAGE}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`stack: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
