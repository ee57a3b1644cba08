/**
 * Where the native stack keeps its state: everything lives in one folder, t.home (BRIGADEIRO_HOME,
 * default <repo>/.brigadeiro):
 *   stack.json               what the running stack was started with (carrinho scale, start time)
 *   config/                  rendered configuration (etcd, haproxy, redis, nginx)
 *   data/etcd, data/redis    data folders
 *   data/postgres            Patroni configs, PostgreSQL data dirs (pg1, pg2), sockets; owned by postgres
 *   nginx/                   nginx prefix (temp files)
 *   logs/<component>.log     stdout and stderr of every process
 *   run/<component>.pid      the PID of every process the orchestrator started
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Topology } from '@brigadeiro/topology';

export const PG_OS_USER = 'postgres';
export const PG_OS_HOME = '/var/lib/postgresql';

export interface StackPaths {
  home: string;
  stateFile: string;
  configDir: string;
  dataDir: string;
  pgRoot: string;
  nginxPrefix: string;
  logsDir: string;
  runDir: string;
}

export function stackPaths(t: Topology): StackPaths {
  const home = t.home;
  return {
    home,
    stateFile: path.join(home, 'stack.json'),
    configDir: path.join(home, 'config'),
    dataDir: path.join(home, 'data'),
    pgRoot: path.join(home, 'data', 'postgres'),
    nginxPrefix: path.join(home, 'nginx'),
    logsDir: path.join(home, 'logs'),
    runDir: path.join(home, 'run'),
  };
}

export const logFile = (p: StackPaths, component: string): string => path.join(p.logsDir, `${component}.log`);
export const pidFile = (p: StackPaths, component: string): string => path.join(p.runDir, `${component}.pid`);

export function ensureDirs(p: StackPaths): void {
  for (const dir of [p.home, p.configDir, p.dataDir, p.nginxPrefix, p.logsDir, p.runDir]) {
    fs.mkdirSync(dir, { recursive: true });
  }
}

/** True when the postgres OS user can reach (search) `dir`: every ancestor must be traversable for it. */
function postgresCanTraverse(dir: string): boolean {
  if (process.getuid?.() !== 0) return true; // not root: we run PostgreSQL as ourselves, nothing to check
  const r = spawnSync('setpriv', ['--reuid', PG_OS_USER, '--regid', PG_OS_USER, '--init-groups', '--', 'test', '-x', dir], { stdio: 'ignore' });
  return r.status === 0;
}

function chownToPostgres(target: string): void {
  if (process.getuid?.() !== 0) return;
  const r = spawnSync('chown', ['-R', `${PG_OS_USER}:${PG_OS_USER}`, target], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown ${PG_OS_USER} ${target} failed: ${r.stderr}`);
}

/**
 * Prepares <home>/data/postgres for the postgres OS user and returns its real path.
 *
 * PostgreSQL refuses to run as root, so Patroni and PostgreSQL run as `postgres`, which must be able to
 * traverse every folder above its data dirs. When t.home sits somewhere postgres cannot traverse (a repo
 * under /root, mode 700), the PostgreSQL folder lives in /var/tmp/brigadeiro-<hash of t.home>/ instead and
 * <home>/data/postgres is a symlink to it, so the state still looks like one folder. /var/tmp (not /tmp)
 * because it survives reboots and is not cleaned by tmpfiles as eagerly.
 */
export function preparePgRoot(p: StackPaths): string {
  const existing = fs.existsSync(p.pgRoot) ? fs.realpathSync(p.pgRoot) : undefined;
  if (existing) {
    chownToPostgres(existing);
    return existing;
  }
  let real = p.pgRoot;
  if (!postgresCanTraverse(p.dataDir)) {
    const hash = crypto.createHash('sha256').update(p.home).digest('hex').slice(0, 12);
    real = path.join('/var/tmp', `brigadeiro-${hash}`);
    fs.mkdirSync(real, { recursive: true });
    fs.symlinkSync(real, p.pgRoot);
  } else {
    fs.mkdirSync(real, { recursive: true });
  }
  fs.chmodSync(real, 0o755);
  chownToPostgres(real);
  return real;
}

/** Removes the PostgreSQL folder and, when it was relocated to /var/tmp, its real location too. */
export function removePgRoot(p: StackPaths): void {
  if (!fs.existsSync(p.pgRoot) && !isSymlink(p.pgRoot)) return;
  if (isSymlink(p.pgRoot)) {
    const target = fs.readlinkSync(p.pgRoot);
    fs.rmSync(target, { recursive: true, force: true });
    fs.unlinkSync(p.pgRoot);
  } else {
    fs.rmSync(p.pgRoot, { recursive: true, force: true });
  }
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
