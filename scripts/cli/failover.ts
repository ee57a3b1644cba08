/**
 * scripts/failover.sh: kill the PostgreSQL primary of the running stack (native, or Docker Compose with
 * --compose) and measure what happens.
 *
 *   failover.ts [--compose] [--postgres-only] [--load] [--rejoin] [--runs N] [--patroni ttl=..] [--json FILE]
 *   failover.ts --false-alarms SECONDS [--patroni ttl=..] [--json FILE]
 *
 * Prints the seed's table and writes the same as JSON (default BRIGADEIRO_HOME/failover/<timestamp>.json).
 * Exit 1 when an acknowledged write is lost or the cluster does not recover (with --rejoin: one leader and
 * one streaming replica again). The measuring code is in scripts/failover/run.ts, shared by both stacks; only
 * the hooks differ (native.ts: processes by PID; compose.ts: containers through the compose CLI).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type Topology } from '@brigadeiro/topology';
import { stackContext } from '../stack/context';
import { clusterHealthy } from '../stack/control';
import { type PgNode, pgCluster } from '../stack/patroni';
import { topologyOfRunningStack } from '../stack/state';
import { composeCommandLine, composeHooks, composeHostTopology, findCompose } from '../failover/compose';
import { nativeHooks } from '../failover/native';
import { formatReport, writeReport } from '../failover/report';
import { DEFAULT_OPTIONS, type FailoverHooks, type FailoverOptions, type FailoverResult, runFailover } from '../failover/run';
import { applyTiming, countFalseAlarms, formatFalseAlarms, formatSummary, parseTiming, readTiming, summarizeRuns } from '../failover/series';
import { parse, runCli, UsageError } from './args';

const USAGE = `usage: scripts/failover.sh [--compose] [--postgres-only] [--load] [--rejoin] [--runs N] [--patroni T] [--json FILE]
       scripts/failover.sh --false-alarms SECONDS [--patroni T] [--json FILE]
  (no option)      SIGKILL the primary's whole node (Patroni + PostgreSQL), as a machine dying
  --compose        the Docker Compose stack instead of the native one: SIGKILL the primary's container
                   (docker compose kill -s SIGKILL pgN) and, with --rejoin, \`docker compose start pgN\`.
                   Start that stack with both files, the second publishing on 127.0.0.1 what is measured:
                     docker compose -f docker-compose.yml -f docker-compose.failover.yml up --build -d
                   Uses \`docker compose\`, else \`docker-compose\`; the ports are the native defaults
                   (BRIGADEIRO_PORT_OFFSET does not apply), passwords and the gateway port come from the
                   environment, then .env, as compose reads them
  --postgres-only  SIGKILL only the primary's postmaster (Patroni survives and restarts it); with --compose,
                   inside its container (docker compose exec)
  --load           drive traffic meanwhile: ab on GET /api/v1/produtos, checkout clients, a read prober
  --rejoin         restart the killed node and wait until it streams again as a replica (pg_rewind)
  --runs N         N experiments in a row (N > 1 needs --rejoin), then the median and max of each figure
  --patroni T      first set Patroni's timing on the running cluster, e.g. ttl=4,loop_wait=1,retry_timeout=1
                   (PATCH /config: it stays the cluster's setting until changed again)
  --false-alarms S kill nothing: saturate every core for S seconds and count leader changes (false failovers)
  --json FILE      where to write the JSON report (default BRIGADEIRO_HOME/failover/<timestamp>.json)`;

interface Parsed {
  o: Omit<FailoverOptions, 'say'>;
  compose: boolean;
  json?: string;
  runs: number;
  patroni?: string;
  falseAlarmsS?: number;
}

/** Strict (scripts/cli/args.ts): an unknown or misspelt option, or a bad value, is a UsageError: exit 2 with the usage. */
function parseCommandLine(args: string[]): Parsed {
  const { values: v } = parse(args, {
    compose: { type: 'boolean' },
    'postgres-only': { type: 'boolean' },
    load: { type: 'boolean' },
    rejoin: { type: 'boolean' },
    json: { type: 'string' },
    runs: { type: 'string' },
    patroni: { type: 'string' },
    'false-alarms': { type: 'string' },
  });
  const o = { ...DEFAULT_OPTIONS, mode: v['postgres-only'] ? ('postgres' as const) : ('node' as const), load: v.load === true, rejoin: v.rejoin === true };
  const whole = (name: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    return n;
  };
  const runs = whole('runs', v.runs, 1, 50) ?? 1;
  const falseAlarmsS = whole('false-alarms', v['false-alarms'], 5, 3600);
  if (runs > 1 && !o.rejoin) throw new UsageError(`--runs ${runs} needs --rejoin: each run kills the primary, so the old one must come back first`);
  if (falseAlarmsS !== undefined && (o.load || o.rejoin || runs > 1 || v['postgres-only'])) {
    throw new UsageError(`--false-alarms kills nothing: it takes only --patroni, --compose and --json`);
  }
  if (v.patroni !== undefined) {
    // Refuse a bad value before touching anything.
    try {
      parseTiming(v.patroni);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e), { cause: e });
    }
  }
  return {
    o,
    compose: v.compose === true,
    runs,
    ...(v.json ? { json: v.json } : {}),
    ...(v.patroni !== undefined ? { patroni: v.patroni } : {}),
    ...(falseAlarmsS !== undefined ? { falseAlarmsS } : {}),
  };
}

/** Which stack to break: its topology from this machine, its hooks, and what to tell the person. */
interface Target {
  t: Topology;
  hooks: FailoverHooks;
  /** How to start the stack when its cluster is not healthy. */
  startHint: string;
  /** How to bring a killed node back. */
  bringBack: (node: PgNode) => string;
}

function nativeTarget(say: (line: string) => void): Target {
  const t = topologyOfRunningStack();
  return {
    t,
    hooks: nativeHooks(stackContext(t, say)),
    startHint: 'is the stack running (npm start -- --detach)?',
    bringBack: (node) => `npm run fault -- node-up ${node}`,
  };
}

async function composeTarget(): Promise<Target> {
  const cli = await findCompose(REPO_ROOT, process.env);
  const { t, variables } = composeHostTopology(REPO_ROOT, process.env);
  // databaseUrl() (pedidos' role, for the lost-order check) reads the services' passwords from the environment.
  Object.assign(process.env, variables);
  return {
    t,
    hooks: composeHooks(t, cli),
    startHint: `is the stack running with both files (${composeCommandLine(cli, ['up', '--build', '-d'])})?`,
    bringBack: (node) => composeCommandLine(cli, ['start', node]),
  };
}

function writeJson(file: string, data: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

async function main(argv: string[]): Promise<number> {
  const { o, compose, json, runs, patroni, falseAlarmsS } = parseCommandLine(argv);
  const say = (line: string) => process.stderr.write(`failover: ${line}\n`);
  const { t, hooks, startHint, bringBack } = compose ? await composeTarget() : nativeTarget(say);
  const before = await pgCluster(t);
  if (!clusterHealthy(before)) {
    say(`the cluster is not healthy (${before.error ?? before.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}`).join(', ')}): ${startHint}`);
    return 1;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const timing = patroni ? await applyTiming(t, parseTiming(patroni)) : await readTiming(t).catch(() => null);
  if (patroni && timing) say(`Patroni timing now ${JSON.stringify(timing)}`);

  if (falseAlarmsS !== undefined) {
    const alarms = await countFalseAlarms(t, hooks.cluster, falseAlarmsS, say);
    process.stdout.write(formatFalseAlarms(alarms) + '\n');
    process.stdout.write(`JSON report: ${writeJson(json ?? path.join(t.home, 'failover', `false-alarms-${stamp}.json`), alarms)}\n`);
    return 0;
  }

  const results: FailoverResult[] = [];
  for (let i = 1; i <= runs; i++) {
    if (runs > 1) say(`run ${i} of ${runs}`);
    if (i > 1) {
      // The previous run's rejoin waited for streaming + sync; let Patroni's /sync key follow before the next kill.
      const c = await pgCluster(t);
      if (!clusterHealthy(c)) {
        say(`the cluster is not healthy before run ${i}: stopping the series`);
        break;
      }
    }
    const result = await runFailover(t, hooks, { ...o, say });
    results.push(result);
    process.stdout.write(formatReport(result) + '\n');
    if (runs === 1) {
      const file = json ?? path.join(t.home, 'failover', `${result.startedAt.replace(/[:.]/g, '-')}.json`);
      process.stdout.write(`JSON report: ${writeReport(result, file)}\n`);
    }
    if (!result.ok) break;
  }
  if (runs > 1) {
    const summary = summarizeRuns(results);
    process.stdout.write('\n' + formatSummary(summary, timing) + '\n');
    process.stdout.write(`JSON report: ${writeJson(json ?? path.join(t.home, 'failover', `runs-${stamp}.json`), { timing, summary, runs: results })}\n`);
  }
  const last = results.at(-1);
  if (last && !o.rejoin && o.mode === 'node') {
    process.stdout.write(`${last.oldLeader} stays down: bring it back with \`${bringBack(last.oldLeader)}\` (or run with --rejoin)\n`);
  }
  return results.length === runs && results.every((r) => r.ok) ? 0 : 1;
}

runCli('failover', USAGE, main);
