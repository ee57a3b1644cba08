/**
 * scripts/failover.sh --compose without a Docker engine: a fake `docker` / `docker-compose` (a shell script that
 * records its working directory and argv, then answers as the real CLI does; the engine is outside our system)
 * stands first on PATH. Checked: which compose CLI is picked, the exact kill / start / exec commands, the one-line
 * errors when compose or the engine is missing; and, for real, the postmaster kill script on a process tree and
 * pgCluster finding compose members (host names pg1, pg2) at the host's topology ports. Needs no stack.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, loadTopology } from '@brigadeiro/topology';
import { closedPort } from '@brigadeiro/testing';
import {
  ComposeError, KILL_POSTMASTER, composeHooks, composeHostTopology, findCompose, postmasterPidFile,
} from '../scripts/failover/compose';
import { pgCluster } from '../scripts/stack/patroni';

/** Records `<cwd> <argv...>` NUL-separated, one invocation per line; answers like Docker 28 / Compose v2 / v1 1.29. */
const FAKE = `#!/bin/sh
me=\${0##*/}
{ printf '%s\\0' "$PWD" "$me" "$@"; printf '\\n'; } >> "$FAKE_DOCKER_LOG"
if [ "$me" = docker ]; then
  case "$1" in
    info)
      if [ "$FAKE_ENGINE" = up ]; then echo 28.2.2; exit 0; fi
      echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2
      exit 1 ;;
    compose)
      if [ "$FAKE_COMPOSE_PLUGIN" != yes ]; then printf 'docker: unknown command: docker compose\\n\\nRun '"'"'docker --help'"'"' for more information\\n' >&2; exit 1; fi
      shift ;;
    *) echo "fake docker: unexpected $1" >&2; exit 2 ;;
  esac
fi
while [ "$1" = -f ]; do shift 2; done
case "$1" in
  version) if [ "$me" = docker ]; then echo 'Docker Compose version v2.29.7'; else echo 'docker-compose version 1.29.2, build unknown'; fi ;;
  kill|start|exec)
    cmd=$1; shift
    while [ "\${1#-}" != "$1" ]; do if [ "$1" = -s ]; then shift; fi; shift; done
    case "$1" in
      pg1|pg2) [ "$cmd" = exec ] || echo " Container brigadeiro-$1-1  $cmd" >&2 ;;
      *) echo "no such service: $1" >&2; exit 1 ;;
    esac ;;
  *) echo "fake compose: unexpected $1" >&2; exit 2 ;;
esac
`;

let tmp: string;
let log: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-compose-hooks-'));
  log = path.join(tmp, 'calls');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A PATH of fakes only (`docker`, `docker-compose`, or both) and how they answer. */
function fakeEnv(bins: ('docker' | 'docker-compose')[], o: { plugin: boolean; engine: boolean }): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(tmp, 'bin-'));
  for (const b of bins) fs.writeFileSync(path.join(dir, b), FAKE, { mode: 0o755 });
  fs.rmSync(log, { force: true });
  return { PATH: dir, FAKE_DOCKER_LOG: log, FAKE_COMPOSE_PLUGIN: o.plugin ? 'yes' : 'no', FAKE_ENGINE: o.engine ? 'up' : 'down' };
}

/** Every recorded call: [cwd, program, ...args]. */
function calls(): string[][] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').split('\0\n').filter((l) => l !== '').map((l) => l.split('\0'));
}

const files = ['-f', 'docker-compose.yml', '-f', 'docker-compose.failover.yml'];
const t = loadTopology({});

describe('finding compose and the engine', () => {
  test('when `docker compose` (v2) and an engine answer, then v2 is used and the engine was asked with docker info', async () => {
    const cli = await findCompose(REPO_ROOT, fakeEnv(['docker', 'docker-compose'], { plugin: true, engine: true }));
    expect([cli.command, ...cli.prefix]).toEqual(['docker', 'compose']);
    expect(calls()).toEqual([
      [REPO_ROOT, 'docker', 'compose', 'version'],
      [REPO_ROOT, 'docker', 'info', '--format', '{{.ServerVersion}}'],
    ]);
  });

  test('when docker has no compose plugin but docker-compose (v1) is installed, then v1 is used', async () => {
    const cli = await findCompose(REPO_ROOT, fakeEnv(['docker', 'docker-compose'], { plugin: false, engine: true }));
    expect([cli.command, ...cli.prefix]).toEqual(['docker-compose']);
    expect(calls().map((c) => c.slice(1))).toEqual([
      ['docker', 'compose', 'version'],
      ['docker-compose', 'version'],
      ['docker', 'info', '--format', '{{.ServerVersion}}'],
    ]);
  });

  test('when neither `docker compose` nor docker-compose is installed, then one line says so and nothing else runs', async () => {
    const env = fakeEnv(['docker'], { plugin: false, engine: true });
    const e = await findCompose(REPO_ROOT, env).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ComposeError);
    expect((e as Error).message).toBe('neither `docker compose` (Compose v2) nor `docker-compose` (v1) is installed: --compose needs Docker with Compose');
    expect(calls().map((c) => c.slice(1))).toEqual([['docker', 'compose', 'version']]);
  });

  test('when no engine answers docker info, then one line says so with Docker\'s own reason', async () => {
    const e = await findCompose(REPO_ROOT, fakeEnv(['docker'], { plugin: true, engine: false })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ComposeError);
    expect((e as Error).message).toBe('no Docker engine answers (`docker info`: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)');
  });

  test('when the docker CLI itself is missing, then the engine check says it is not installed', async () => {
    const e = await findCompose(REPO_ROOT, fakeEnv(['docker-compose'], { plugin: false, engine: true })).catch((x: unknown) => x);
    expect((e as Error).message).toBe('no Docker engine answers (`docker info`: not installed)');
  });

  test('when scripts/cli/failover.ts --compose meets no engine, then it exits 1 with one line on stderr and kills nothing', () => {
    const env = fakeEnv(['docker'], { plugin: true, engine: false });
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'scripts', 'cli', 'failover.ts'), '--compose', '--rejoin'], {
      cwd: REPO_ROOT,
      env: { ...env, PATH: `${env.PATH}:${path.dirname(process.execPath)}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('failover: no Docker engine answers (`docker info`: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)\n');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    expect(calls().map((c) => c[2])).toEqual(['compose', 'info']);
  });
});

describe('the hooks issue the compose commands', () => {
  test('when the whole node is killed, then `compose -f both kill -s SIGKILL pgN` runs from the project directory and the kill time is when it returned', async () => {
    for (const [bins, plugin, program, prefix] of [[['docker'], true, 'docker', ['compose']], [['docker', 'docker-compose'], false, 'docker-compose', []]] as const) {
      const cli = await findCompose(REPO_ROOT, fakeEnv([...bins], { plugin, engine: true }));
      const before = Date.now();
      const at = await composeHooks(t, cli).kill('pg1', 'node');
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(calls().at(-1)).toEqual([REPO_ROOT, program, ...prefix, ...files, 'kill', '-s', 'SIGKILL', 'pg1']);
    }
  });

  test('when the node is restarted, then `compose -f both start pgN` runs', async () => {
    const cli = await findCompose(REPO_ROOT, fakeEnv(['docker'], { plugin: true, engine: true }));
    await composeHooks(t, cli).restart('pg2');
    expect(calls().at(-1)).toEqual([REPO_ROOT, 'docker', 'compose', ...files, 'start', 'pg2']);
  });

  test('when only PostgreSQL is killed, then the kill script runs inside the node\'s container with its postmaster.pid', async () => {
    const cli = await findCompose(REPO_ROOT, fakeEnv(['docker'], { plugin: true, engine: true }));
    await composeHooks(t, cli).kill('pg2', 'postgres');
    expect(calls().at(-1)).toEqual([REPO_ROOT, 'docker', 'compose', ...files, 'exec', '-T', 'pg2', 'sh', '-c', KILL_POSTMASTER, 'kill-postmaster', '/var/lib/postgresql/data/pg2/postmaster.pid']);
    expect(postmasterPidFile('pg1')).toBe('/var/lib/postgresql/data/pg1/postmaster.pid');
  });

  test('when a compose command fails, then the hook rejects with the command line and compose\'s reason', async () => {
    const cli = await findCompose(REPO_ROOT, fakeEnv(['docker'], { plugin: true, engine: true }));
    // A node name compose does not know: what a stack started from another project would answer.
    await expect(composeHooks(t, cli).restart('pg3' as 'pg1')).rejects.toThrow(
      new ComposeError('`docker compose -f docker-compose.yml -f docker-compose.failover.yml start pg3` failed: no such service: pg3'),
    );
  });
});

describe('the host side of a compose stack', () => {
  test('when .env and the environment both set compose variables, then the environment wins, and native port variables are ignored', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'project-'));
    fs.writeFileSync(path.join(dir, '.env'), 'BRIGADEIRO_PORT_GATEWAY=9090\nBRIGADEIRO_PG_SUPERUSER_PASSWORD=from-file\nBRIGADEIRO_PG_PEDIDOS_PASSWORD=pedidos-file\n');
    const { t: host, variables } = composeHostTopology(dir, { BRIGADEIRO_PG_SUPERUSER_PASSWORD: 'from-env', BRIGADEIRO_PORT_OFFSET: '5000', BRIGADEIRO_PORT_PATRONI1: '9999' });
    expect(host.ports).toEqual({ ...loadTopology({}).ports, gateway: 9090 });
    expect(host.network).toBeUndefined();
    expect(host.superuser.password).toBe('from-env');
    expect(variables).toEqual({ BRIGADEIRO_PORT_GATEWAY: '9090', BRIGADEIRO_PG_SUPERUSER_PASSWORD: 'from-env', BRIGADEIRO_PG_PEDIDOS_PASSWORD: 'pedidos-file' });
  });

  test('when Patroni answers /cluster with compose host names, then pgCluster reaches the leader at 127.0.0.1 and the topology port, not at pg1:5442', async () => {
    const cluster = {
      members: [
        { name: 'pg1', role: 'leader', state: 'running', host: 'pg1', port: 5442, api_url: 'http://pg1:8018/patroni', timeline: 2 },
        { name: 'pg2', role: 'sync_standby', state: 'streaming', host: 'pg2', port: 5443, api_url: 'http://pg2:8019/patroni', timeline: 2, lag: 0 },
      ],
    };
    const patroni = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/cluster' ? JSON.stringify(cluster) : '{}');
    });
    await new Promise<void>((r) => patroni.listen(0, '127.0.0.1', () => r()));
    try {
      const pgPort = await closedPort();
      const host = { ...t, ports: { ...t.ports, patroni1: (patroni.address() as AddressInfo).port, pg1: pgPort, patroni2: await closedPort() } };
      const c = await pgCluster(host);
      expect(c.leader).toBe('pg1');
      expect(c.members.map((m) => [m.name, m.role])).toEqual([['pg1', 'leader'], ['pg2', 'replica']]);
      expect(c.error).toMatch(new RegExp(`^pg_stat_replication on pg1: .*connect ECONNREFUSED 127\\.0\\.0\\.1:${pgPort}$`));
    } finally {
      patroni.close();
    }
  });
});

describe('the postmaster kill script (run by sh inside the container)', () => {
  /** /proc state of a PID: undefined when gone, 'Z' for a zombie. */
  const state = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      return undefined;
    }
  };
  const dead = (pid: number) => state(pid) === undefined || state(pid) === 'Z';

  test('when run with a postmaster.pid, then that process and its children get SIGKILL and an unrelated process lives', async () => {
    // A stand-in postmaster: a shell with two children that prints their PIDs.
    const postmaster: ChildProcess = spawn('sh', ['-c', 'sleep 300 & echo $!; sleep 300 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => postmaster.on('exit', (_code, signal) => r(signal)));
    let children: number[] = [];
    try {
      children = await new Promise<number[]>((resolve) => {
        let out = '';
        postmaster.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const pids = out.split('\n').filter(Boolean).map(Number);
          if (pids.length === 2) resolve(pids);
        });
      });
      const pidFile = path.join(tmp, 'postmaster.pid');
      fs.writeFileSync(pidFile, `${postmaster.pid}\n/var/lib/postgresql/data/pg1\n1700000000\n5442\n`);
      const r = spawnSync('sh', ['-c', KILL_POSTMASTER, 'kill-postmaster', pidFile], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(await exited).toBe('SIGKILL');
      // SIGKILL was sent; give the kernel a moment to finish each child off (a bound, not a measured time).
      for (const end = Date.now() + 10_000; !children.every(dead) && Date.now() < end;) await new Promise((w) => setTimeout(w, 20));
      expect(children.filter((pid) => !dead(pid))).toEqual([]);
      expect(dead(bystander.pid!)).toBe(false);
    } finally {
      postmaster.kill('SIGKILL');
      bystander.kill('SIGKILL');
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  });

  test('when postmaster.pid is missing, then it fails with its reason and kills nothing', () => {
    const r = spawnSync('sh', ['-c', KILL_POSTMASTER, 'kill-postmaster', path.join(tmp, 'no-such.pid')], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no-such\.pid/);
  });
});
