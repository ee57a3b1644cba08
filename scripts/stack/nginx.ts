/** nginx, the API gateway, configured by infra/nginx/render.ts from the topology. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { renderNginxConf } from '../../infra/nginx/render';
import type { StackContext } from './context';
import { logFile } from './layout';
import { launch, livePid } from './process';
import { StartError, httpRequest, waitFor } from './probe';

export const NGINX = 'nginx';

export async function startNginx(ctx: StackContext): Promise<number> {
  const { t, p } = ctx;
  fs.mkdirSync(p.nginxPrefix, { recursive: true });
  const conf = path.join(p.configDir, 'nginx.conf');
  const errorLog = logFile(p, NGINX);
  const text = renderNginxConf(t, {
    prefix: p.nginxPrefix,
    // nginx writes its own PID file; ours (run/nginx.pid) is the orchestrator's record.
    pidFile: path.join(p.nginxPrefix, 'nginx.pid'),
    accessLog: path.join(p.logsDir, 'nginx-access.log'),
    errorLog,
  });
  fs.writeFileSync(conf, text);
  // `daemon off` keeps the master in the foreground so the PID we record is nginx's master. As root the
  // workers would run as nobody, who may not reach the state folder (temp files): run them as root.
  const directives = ['daemon off;'];
  if (process.getuid?.() === 0 && !/^\s*user\s/m.test(text)) directives.push('user root;');
  const base = ['-c', conf, '-p', p.nginxPrefix + '/', '-e', errorLog, '-g', directives.join(' ')];
  const test = spawnSync('nginx', ['-t', ...base], { encoding: 'utf8' });
  if (test.status !== 0) throw new StartError(`nginx -t rejected ${conf}:\n${test.stderr.trim()}`);
  const pid = launch(p, { name: NGINX, command: 'nginx', args: base, match: 'nginx' });
  await waitFor('nginx gateway', async () => (await httpRequest(t.ports.gateway, '/', 'GET', 1000)).status > 0, {
    timeoutMs: 15_000,
    alive: () => livePid(p, NGINX) !== undefined,
    component: NGINX,
  });
  return pid;
}
