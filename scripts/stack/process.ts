/**
 * Detached processes tracked by PID files. Every component runs in its own session and process group
 * (setsid), with stdout and stderr appended to logs/<name>.log, so it outlives the orchestrator
 * (--detach) and a Ctrl-C in the terminal reaches only the orchestrator, which then stops them in order.
 * Processes are only ever signalled by the PID the orchestrator recorded, never by name.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { StackPaths, logFile, pidFile } from './layout';

export interface Launch {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A word the process's command line must contain for a recorded PID to count as ours (guards PID reuse). */
  match: string;
}

/** Starts a detached process and records its PID in run/<name>.pid; returns the PID. */
export function launch(p: StackPaths, l: Launch): number {
  const log = fs.openSync(logFile(p, l.name), 'a');
  fs.writeSync(log, `\n===== ${new Date().toISOString()} starting ${l.name}: ${l.command} ${l.args.join(' ')}\n`);
  // detached: true makes Node call setsid(2) in the child before exec: a new session and process group,
  // exactly what `setsid <cmd>` does, without setsid(1)'s extra fork when it runs in a group leader.
  const child = spawn(l.command, l.args, { detached: true, stdio: ['ignore', log, log], env: l.env ?? process.env, cwd: l.cwd });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${l.name} (${l.command}): see ${logFile(p, l.name)}`);
  child.on('error', () => undefined); // spawn errors show up as a dead PID during the readiness wait
  child.unref();
  writePid(p, l.name, child.pid, l.match);
  return child.pid;
}

interface PidRecord {
  pid: number;
  match: string;
}

function writePid(p: StackPaths, name: string, pid: number, match: string): void {
  // Line 1 is the bare PID (what every tool expects of a PID file); line 2 the command-line check word.
  fs.writeFileSync(pidFile(p, name), `${pid}\n${match}\n`);
}

export function readPid(p: StackPaths, name: string): PidRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFile(p, name), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, match] = text.split('\n');
  const pid = Number(pidLine);
  return Number.isInteger(pid) && pid > 1 ? { pid, match: match ?? '' } : undefined;
}

export function removePid(p: StackPaths, name: string): void {
  fs.rmSync(pidFile(p, name), { force: true });
}

/** Names of every component with a PID file. */
export function pidNames(p: StackPaths): string[] {
  try {
    return fs
      .readdirSync(p.runDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4));
  } catch {
    return [];
  }
}

/** True when `pid` is a live (not zombie) process whose command line contains `match`. */
export function isAlive(pid: number, match = ''): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    if (!match) return true;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    // An empty command line is a live process caught mid-exec (Patroni starts as env -> setpriv -> patroni,
    // each replacing the last): alive, not a stranger that reused the PID.
    return cmdline === '' || cmdline.includes(match);
  } catch {
    return false;
  }
}

/** The live PID of a component, or undefined when it is not running (a stale PID file counts as not running). */
export function livePid(p: StackPaths, name: string): number | undefined {
  const rec = readPid(p, name);
  return rec && isAlive(rec.pid, rec.match) ? rec.pid : undefined;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `pid` is gone; true when it went away within `timeoutMs`. */
export async function waitGone(pid: number, match: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive(pid, match)) return true;
    await delay(50);
  }
  return !isAlive(pid, match);
}

/** Sends `sig` to `pid` (to its process group with `group`); a process already gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals, group = false): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Stops one recorded process: SIGTERM to it, wait up to `graceMs`, then SIGKILL to its whole process group
 * (it is a group leader, so this also catches children it left behind). Removes the PID file.
 * Returns how it ended: 'stopped', 'killed' or 'not-running'.
 */
export async function stopRecorded(p: StackPaths, name: string, graceMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  const rec = readPid(p, name);
  if (!rec || !isAlive(rec.pid, rec.match)) {
    removePid(p, name);
    return 'not-running';
  }
  signal(rec.pid, 'SIGTERM', false);
  let result: 'stopped' | 'killed' = 'stopped';
  if (!(await waitGone(rec.pid, rec.match, graceMs))) {
    signal(rec.pid, 'SIGKILL', true);
    await waitGone(rec.pid, rec.match, 5000);
    result = 'killed';
  }
  removePid(p, name);
  return result;
}

/** The last `lines` lines of a component's log (for error messages). */
export function tailLog(p: StackPaths, name: string, lines = 25): string {
  try {
    const fd = fs.openSync(logFile(p, name), 'r');
    let buf: Buffer;
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
    } finally {
      fs.closeSync(fd);
    }
    const all = buf.toString('utf8').split('\n');
    // Only this run's lines: the log is appended to across runs, each run starts with a ===== marker.
    const marker = all.map((l) => l.startsWith('===== ')).lastIndexOf(true);
    return all
      .slice(Math.max(0, marker))
      .filter((l) => l.length > 0)
      .slice(-lines)
      .map((l) => `    ${l}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}
