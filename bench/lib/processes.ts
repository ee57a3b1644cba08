/**
 * Every process the bench starts (its own nginx, the baseline servers, redis-benchmark, pgbench, ab) is
 * registered here and stopped BY PID: at the end of the run, on error, and on Ctrl-C / SIGTERM. Nothing
 * is ever killed by name, so other people's nginx or node processes on this machine are never touched.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();
let handlersInstalled = false;

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}: stopping the ${live.size} process(es) it started\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  // Last resort when the process dies some other way: a synchronous kill of what is still alive.
  process.once('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Spawns a tracked process (removed from the set when it exits). */
export function startTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  installSignalHandlers();
  const child = spawn(cmd, args, opts);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still alive. */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
  live.delete(child);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopProcess(c)));
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock seconds. */
  seconds: number;
}

/**
 * Runs a command to completion (tracked, so Ctrl-C stops it), killing it after `timeoutMs`: every
 * load tool run is bounded in time even if its own limit misbehaves.
 */
export function runCommand(cmd: string, args: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; input?: string }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = startTracked(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\nbench: killed after ${opts.timeoutMs} ms (time bound)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${cmd}: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/** Shell-quotes an argument list, for the "exact commands" section of the report. */
export function shellLine(cmd: string, args: string[]): string {
  return [cmd, ...args].map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
