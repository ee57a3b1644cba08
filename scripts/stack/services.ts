/**
 * The Node services: `node --enable-source-maps services/<name>/dist/main.js` (built by `npm run build`),
 * each with exactly the environment topology.serviceEnv() produces plus PATH and HOME, carrinho as
 * t.carrinhoInstances instances (carrinho-1..N). Ready when GET /ready answers 200.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SERVICES, type ServiceName, type Topology, servicePort, serviceEnv } from '@brigadeiro/topology';
import type { StackContext } from './context';
import { launch, livePid } from './process';
import { httpRequest, waitFor } from './probe';

export interface ServiceInstance {
  /** Component name: the service, or carrinho-<i>. */
  name: string;
  service: ServiceName;
  instance: number;
  port: number;
}

export function serviceInstances(t: Topology): ServiceInstance[] {
  return SERVICES.flatMap((service) => {
    const count = service === 'carrinho' ? t.carrinhoInstances : 1;
    return Array.from({ length: count }, (_, i) => ({
      name: service === 'carrinho' ? `carrinho-${i + 1}` : service,
      service,
      instance: i + 1,
      port: servicePort(t, service, i + 1),
    }));
  });
}

export const serviceEntry = (service: ServiceName): string => path.join(REPO_ROOT, 'services', service, 'dist', 'main.js');

export async function serviceReady(port: number): Promise<boolean> {
  const a = await httpRequest(port, '/ready', 'GET', 2000);
  if (a.status !== 200) throw new Error(`/ready answered ${a.status}: ${a.body.slice(0, 200)}`);
  return true;
}

/** Starts every built service (all at once: they come up in parallel) and waits until each is ready. */
export async function startServices(ctx: StackContext): Promise<ServiceInstance[]> {
  const { t, p } = ctx;
  const started: ServiceInstance[] = [];
  for (const s of serviceInstances(t)) {
    const entry = serviceEntry(s.service);
    if (!fs.existsSync(entry)) {
      ctx.say(`  warning: ${path.relative(REPO_ROOT, entry)} does not exist (not built yet?): ${s.name} skipped`);
      continue;
    }
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...serviceEnv(t, s.service, s.instance) };
    launch(p, { name: s.name, command: process.execPath, args: ['--enable-source-maps', entry], env, cwd: REPO_ROOT, match: entry });
    started.push(s);
  }
  await Promise.all(
    started.map((s) =>
      waitFor(`${s.name} GET /ready`, () => serviceReady(s.port), {
        timeoutMs: 90_000,
        intervalMs: 250,
        alive: () => livePid(p, s.name) !== undefined,
        component: s.name,
      }),
    ),
  );
  return started;
}
