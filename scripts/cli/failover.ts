/**
 * scripts/failover.sh: kill the PostgreSQL primary of the running stack (native, or Docker Compose with
 * --compose) and measure what happens.
 *
 *   failover.ts [--compose] [--postgres-only] [--load] [--rejoin] [--json FILE]
 *
 * Prints the seed's table and writes the same as JSON (default BRIGADEIRO_HOME/failover/<timestamp>.json).
 * Exit 1 when an acknowledged write is lost or the cluster does not recover (with --rejoin: one leader and
 * one streaming replica again). The measuring code is in scripts/failover/run.ts, shared by both stacks; only
 * the hooks differ (native.ts: processes by PID; compose.ts: containers through the compose CLI).
 */
import path from 'node:path';
import { REPO_ROOT, type Topology } from '@brigadeiro/topology';
import { stackContext } from '../stack/context';
import { clusterHealthy } from '../stack/control';
import { type PgNode, pgCluster } from '../stack/patroni';
import { topologyOfRunningStack } from '../stack/state';
import { composeCommandLine, composeHooks, composeHostTopology, findCompose } from '../failover/compose';
import { nativeHooks } from '../failover/native';
import { formatReport, writeReport } from '../failover/report';
import { DEFAULT_OPTIONS, type FailoverHooks, type FailoverOptions, runFailover } from '../failover/run';

const USAGE = `usage: scripts/failover.sh [--compose] [--postgres-only] [--load] [--rejoin] [--json FILE]
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
  --json FILE      where to write the JSON report (default BRIGADEIRO_HOME/failover/<timestamp>.json)`;

function parse(args: string[]): { o: Omit<FailoverOptions, 'say'>; compose: boolean; json?: string } {
  const o = { ...DEFAULT_OPTIONS };
  let json: string | undefined;
  let compose = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--compose') compose = true;
    else if (a === '--postgres-only') o.mode = 'postgres';
    else if (a === '--load') o.load = true;
    else if (a === '--rejoin') o.rejoin = true;
    else if (a === '--json') {
      json = args[++i];
      if (!json) throw new Error('--json needs a file name');
    } else if (a.startsWith('--json=')) json = a.slice('--json='.length);
    else throw new Error(`unknown option "${a}"\n${USAGE}`);
  }
  return { o, compose, ...(json ? { json } : {}) };
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

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { o, compose, json } = parse(argv);
  const say = (line: string) => process.stderr.write(`failover: ${line}\n`);
  const { t, hooks, startHint, bringBack } = compose ? await composeTarget() : nativeTarget(say);
  const before = await pgCluster(t);
  if (!clusterHealthy(before)) {
    say(`the cluster is not healthy (${before.error ?? before.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}`).join(', ')}): ${startHint}`);
    return 1;
  }
  const result = await runFailover(t, hooks, { ...o, say });
  process.stdout.write(formatReport(result) + '\n');
  const file = json ?? path.join(t.home, 'failover', `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  process.stdout.write(`JSON report: ${writeReport(result, file)}\n`);
  if (!o.rejoin && o.mode === 'node') {
    process.stdout.write(`${result.oldLeader} stays down: bring it back with \`${bringBack(result.oldLeader)}\` (or run with --rejoin)\n`);
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`failover: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
