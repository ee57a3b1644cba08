/**
 * The Docker Compose stack's side of the failover experiment: FailoverHooks over the compose CLI, so
 * scripts/failover.sh --compose runs the same runFailover (run.ts) and measures exactly what the native path does.
 *
 *   kill     `compose kill -s SIGKILL pgN`: the container's every process at once (a machine dying), and Docker
 *            leaves a killed container down (a fatal signal from `kill` suspends its restart policy);
 *            postgres mode: `compose exec -T pgN sh -c ...` SIGKILLs the postmaster and its backends inside it
 *            (Patroni, alive, restarts PostgreSQL), as the native path does by PID;
 *   restart  `compose start pgN` (the same container and volume: Patroni rewinds and rejoins);
 *   cluster, waitRejoined  Patroni's REST API and PostgreSQL through the ports docker-compose.failover.yml
 *            publishes on 127.0.0.1 at the native topology's numbers (so `t` is the native-shaped Topology).
 *
 * Every compose command names both files, from the repository root: the project (its name comes from that
 * folder, or COMPOSE_PROJECT_NAME) is the one `docker compose -f docker-compose.yml -f
 * docker-compose.failover.yml up` started. `docker compose` (v2) is preferred, `docker-compose` (v1) is the
 * fallback; `docker info` must reach an engine. Each failure is a ComposeError with a one-line message.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type Topology, loadTopology } from '@brigadeiro/topology';
import { readEnvFile } from '../../infra/compose/check';
import { ALL_VARIABLES, FAILOVER_OVERRIDE } from '../../infra/compose/model';
import { CONTAINER_PATHS } from '../../infra/compose/render';
import { waitHealthyCluster } from '../stack/control';
import { type PgNode, pgCluster } from '../stack/patroni';
import type { FailoverHooks } from './run';

/** A compose or Docker CLI failure, said in one line. */
export class ComposeError extends Error {}

/** The compose files of a failover run, relative to the project directory, in `-f` order. */
export const FAILOVER_COMPOSE_FILES = ['docker-compose.yml', FAILOVER_OVERRIDE] as const;

export interface ComposeCli {
  /** `docker` with `compose` before each subcommand (v2), or `docker-compose` with nothing (v1). */
  command: string;
  prefix: string[];
  /** Where the compose files are, and the commands run (the repository root). */
  projectDir: string;
  /** The environment of every command (PATH, DOCKER_HOST, COMPOSE_PROJECT_NAME...). */
  env: NodeJS.ProcessEnv;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not start (not installed: ENOENT). */
  error?: Error;
}

/** Runs a command without blocking the event loop (the load clients keep measuring meanwhile). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first non-empty line a failed command left, for a one-line error. */
function reason(r: Ran): string {
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : r.error.message;
  return `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? `exit code ${r.code}`;
}

/**
 * Finds the compose CLI (`docker compose`, else `docker-compose`) and checks a Docker engine answers
 * (`docker info`). Throws a ComposeError saying which is missing.
 */
export async function findCompose(projectDir: string, env: NodeJS.ProcessEnv): Promise<ComposeCli> {
  let cli: ComposeCli;
  if ((await run('docker', ['compose', 'version'], projectDir, env)).code === 0) {
    cli = { command: 'docker', prefix: ['compose'], projectDir, env };
  } else if ((await run('docker-compose', ['version'], projectDir, env)).code === 0) {
    cli = { command: 'docker-compose', prefix: [], projectDir, env };
  } else {
    throw new ComposeError('neither `docker compose` (Compose v2) nor `docker-compose` (v1) is installed: --compose needs Docker with Compose');
  }
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], projectDir, env);
  if (info.code !== 0 || info.stdout.trim() === '') throw new ComposeError(`no Docker engine answers (\`docker info\`: ${reason(info)})`);
  return cli;
}

/** The compose command line for `args`, with both files (for running, and for telling a person). */
export function composeArgs(cli: ComposeCli, args: string[]): string[] {
  return [...cli.prefix, ...FAILOVER_COMPOSE_FILES.flatMap((f) => ['-f', f]), ...args];
}

export function composeCommandLine(cli: ComposeCli, args: string[]): string {
  return [cli.command, ...composeArgs(cli, args)].join(' ');
}

async function compose(cli: ComposeCli, args: string[]): Promise<void> {
  const r = await run(cli.command, composeArgs(cli, args), cli.projectDir, cli.env);
  if (r.code !== 0) throw new ComposeError(`\`${composeCommandLine(cli, args)}\` failed: ${reason(r)}`);
}

/**
 * Run by `sh` inside a PostgreSQL container as its user (postgres) with the postmaster.pid path as $1: SIGKILL the
 * postmaster and its children (backends, walsenders) at once, as the native path does by PID. The images have no
 * pgrep: children are found by the parent PID in /proc/<pid>/stat (the second field after the parenthesised name).
 */
export const KILL_POSTMASTER = [
  'pm=$(head -n 1 "$1") && [ -n "$pm" ] || { echo "no postmaster PID in $1" >&2; exit 1; }',
  'kids=""',
  'for f in /proc/[0-9]*/stat; do',
  '  { read -r line < "$f"; } 2>/dev/null || continue',
  '  rest=${line##*) }; rest=${rest#* }',
  '  if [ "${rest%% *}" = "$pm" ]; then p=${f#/proc/}; kids="$kids ${p%/stat}"; fi',
  'done',
  'kill -KILL "$pm" $kids',
].join('\n');

/** The postmaster.pid of a node's data directory inside its container (infra/compose/render.ts puts it there). */
export function postmasterPidFile(node: PgNode): string {
  return `${CONTAINER_PATHS.pgData}/${node}/postmaster.pid`;
}

/**
 * Hooks over the compose CLI. The kill time is when the compose command returns: Docker answers once the
 * signal is delivered, whereas the CLI's own start-up (a fraction of a second, more for the Python v1) comes
 * before it and is not a part of the outage.
 */
export function composeHooks(t: Topology, cli: ComposeCli): FailoverHooks {
  return {
    cluster: () => pgCluster(t),
    kill: async (node, mode) => {
      await compose(cli, mode === 'node' ? ['kill', '-s', 'SIGKILL', node] : ['exec', '-T', node, 'sh', '-c', KILL_POSTMASTER, 'kill-postmaster', postmasterPidFile(node)]);
      return Date.now();
    },
    restart: (node) => compose(cli, ['start', node]),
    waitRejoined: (node, timeoutMs) => waitHealthyCluster(t, node, timeoutMs),
  };
}

/**
 * The compose stack from this machine, as a Topology: every measured port on 127.0.0.1 at the topology's
 * default number (what docker-compose.failover.yml publishes; BRIGADEIRO_PORT_OFFSET and the other port
 * variables are the native stack's and do not apply), the gateway at BRIGADEIRO_PORT_GATEWAY, the passwords
 * and admin token as compose itself reads them: the environment first, then the project's .env. Returns the
 * compose variables too: databaseUrl() reads the services' passwords from the environment.
 */
export function composeHostTopology(projectDir: string, env: NodeJS.ProcessEnv): { t: Topology; variables: Record<string, string> } {
  const fromFile = (() => {
    try {
      return readEnvFile(path.join(projectDir, '.env'));
    } catch {
      return {};
    }
  })();
  const variables: Record<string, string> = {};
  for (const { name } of ALL_VARIABLES) {
    const value = env[name] ?? fromFile[name];
    if (value !== undefined) variables[name] = value;
  }
  return { t: loadTopology({ ...variables, ...(env.BRIGADEIRO_HOME ? { BRIGADEIRO_HOME: env.BRIGADEIRO_HOME } : {}) }), variables };
}
