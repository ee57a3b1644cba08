/** Starts one of bench/servers/*.ts as a tracked child process (node + tsx loader, one PID to stop). */
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { HOST } from '@brigadeiro/topology';
import { startTracked, stopProcess } from './processes';
import { freePort, waitFor } from './net';

export interface BaselineServer {
  name: string;
  pid: number;
  address: string;
  stop(): Promise<void>;
}

export async function startServerChild(name: string, script: string, env: Record<string, string>): Promise<BaselineServer> {
  const port = await freePort();
  const file = path.join(__dirname, '..', 'servers', script);
  let output = '';
  const child: ChildProcess = startTracked(process.execPath, ['--import', 'tsx', file], {
    env: { ...process.env, ...env, HOST, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const address = `${HOST}:${port}`;
  if (!(await waitFor(`http://${address}/`, 15_000, () => child.exitCode !== null))) {
    await stopProcess(child);
    throw new Error(`the ${name} baseline server did not start on ${address}:\n${output.slice(-1500)}`);
  }
  return { name, pid: child.pid as number, address, stop: () => stopProcess(child) };
}
