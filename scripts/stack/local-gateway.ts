/**
 * A throwaway nginx gateway for tests and experiments: renders the config for a (usually modified)
 * topology into a fresh temp folder, starts `nginx` with its master in the foreground (so we hold its PID),
 * waits until it answers, and `stop()` kills that PID and removes the folder. It starts a process, so it
 * lives with the stack's other launchers in scripts/ (not infra/, which only holds templates and renderers).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { closedPort } from '@brigadeiro/testing';
import { HOST, type Topology } from '@brigadeiro/topology';
import { renderNginxConf, type RenderOptions } from '../../infra/nginx/render';

/** Tests pick the gateway's port with it: a loopback port free right now (packages/testing's helper). */
export const freePort = closedPort;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

export interface LocalGateway {
  url: string;
  port: number;
  pid: number;
  /** The temp folder: nginx.conf, logs, cache. */
  dir: string;
  /** Stops nginx (by PID) and removes the folder. */
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/health', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Starts nginx with `renderNginxConf(t, paths, opts)` listening on t.ports.gateway. Rejects with nginx's
 * own message when `nginx -t` refuses the config or the master exits before answering within 10 s.
 */
export async function startLocalGateway(t: Topology, opts: RenderOptions = {}): Promise<LocalGateway> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-gateway-'));
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  fs.writeFileSync(
    conf,
    renderNginxConf(t, { prefix: dir, pidFile: path.join(dir, 'nginx.pid'), accessLog: path.join(dir, 'access.log'), errorLog }, opts),
  );
  const directives = ['daemon off;'];
  if (process.getuid?.() === 0) directives.push('user root;');
  const args = ['-c', conf, '-p', dir + '/', '-e', errorLog, '-g', directives.join(' ')];
  const test = spawnSync('nginx', ['-t', ...args], { encoding: 'utf8' });
  if (test.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t rejected the rendered config:\n${test.stderr}`);
  }
  const child = spawn('nginx', args, { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(t.ports.gateway))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '';
      await stop();
      throw new Error(`nginx did not start on port ${t.ports.gateway}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://${HOST}:${t.ports.gateway}`, port: t.ports.gateway, pid: child.pid as number, dir, stop };
}
