/**
 * Consistency checks of docker-compose.yml against the native stack, on the file as Docker would read it:
 * `docker-compose config` (Debian's docker-compose; it validates against the compose schema and resolves
 * variables and paths, no engine needed) turned into JSON by python3-yaml (a dependency of docker-compose).
 *
 * checkCompose() returns the problems, each naming the compose service and what disagrees:
 * - the file resolves; every build context and Dockerfile exists; built images end as a non-root USER with a
 *   HEALTHCHECK; every Dockerfile passes dockerfile-utils' linter (lintDockerfile: errors and warnings);
 * - every component of the topology is a compose service (and only the tools besides);
 * - every service's environment is accepted by its own zod configSchema AND equals serviceEnv() of the compose
 *   topology (same names, same values: ports, host names, credentials);
 * - only the gateway publishes a port, to the topology's gateway port; carrinho has no host port or fixed name;
 * - every upstream of the rendered nginx.conf, every host:port of the rendered infra configs, names a compose
 *   service and the port that service listens on;
 * - every `service_healthy` dependency has a health check (compose or image).
 * checkFailoverOverride() does the same for docker-compose.failover.yml laid over it (see there).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { validate as lintDockerfileText } from 'dockerfile-utils';
import type { z } from 'zod';
import {
  COMPONENT_HOSTS, REPO_ROOT, SERVICES, type ServiceName, type Topology, loadTopology, serviceEnv, servicePort,
} from '@brigadeiro/topology';
import { FAILOVER_HOST_IP, FAILOVER_OVERRIDE, GATEWAY_VARIABLES, PUBLISH_HOST, SECRET_VARIABLES, LOG_LEVEL, TOOL_SERVICES, failoverPorts } from './model';
import { renderComposeConfigs } from './render';

export interface CheckOptions {
  /** The compose file (default: the repository's docker-compose.yml). */
  composeFile?: string;
  /** Base of relative build paths (default: the repository root). */
  projectDir?: string;
  /** Files laid over the compose file, in order (`-f` after it), e.g. docker-compose.failover.yml. */
  overrideFiles?: string[];
  /** Variables file (default: the repository's .env.example). */
  envFile?: string;
  /** Extra environment for the native side's topology (a test moves a port here to simulate drift). */
  topologyEnv?: Record<string, string>;
}

interface ComposeService {
  build?: { context: string; dockerfile?: string };
  image?: string;
  environment?: Record<string, string | number | null>;
  ports?: (string | { target?: number; published?: number | string })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  container_name?: string;
  hostname?: string;
  volumes?: unknown[];
}

export interface ResolvedCompose {
  services: Record<string, ComposeService>;
}

/** Is Debian's docker-compose (v1, `docker-compose config` works without an engine) on the PATH? */
export function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}

/** Installs Debian's docker-compose when it is missing (infra/compose/ensure-compose.sh; root, or it says what to run). */
export function ensureDockerCompose(): void {
  if (hasDockerCompose()) return;
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'infra', 'compose', 'ensure-compose.sh')], { stdio: 'inherit', timeout: 110_000 });
  if (r.status !== 0) throw new Error('docker-compose is missing and infra/compose/ensure-compose.sh could not install it');
}

/** YAML text as a plain object, read by python3-yaml (a dependency of docker-compose: no YAML parser of our own). */
export function parseYaml<T>(text: string): T {
  const json = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: text, encoding: 'utf8' });
  if (json.status !== 0) throw new Error(`could not read YAML: ${json.stderr.trim()}`);
  return JSON.parse(json.stdout) as T;
}

/** Resolved files by their arguments and contents: docker-compose (Python) takes about a second a run. */
const resolvedCache = new Map<string, string>();

/** `docker-compose config` of a file (and its overrides), as JSON; throws with docker-compose's own message when it rejects it. */
export function resolveCompose(o: CheckOptions = {}): ResolvedCompose {
  const files = [o.composeFile ?? path.join(REPO_ROOT, 'docker-compose.yml'), ...(o.overrideFiles ?? [])];
  const envFile = o.envFile ?? path.join(REPO_ROOT, '.env.example');
  const args = ['--project-directory', o.projectDir ?? REPO_ROOT, ...files.flatMap((f) => ['-f', f]), '--env-file', envFile, 'config'];
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null);
  const key = JSON.stringify([args, ...files.map(read), read(envFile)]);
  const cached = resolvedCache.get(key);
  if (cached !== undefined) return JSON.parse(cached) as ResolvedCompose;
  const r = spawnSync('docker-compose', args, { encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'brigadeiro' } });
  if (r.status !== 0) throw new Error(`docker-compose config rejected ${files.join(' + ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  const resolved = parseYaml<ResolvedCompose>(r.stdout);
  resolvedCache.set(key, JSON.stringify(resolved));
  return resolved;
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** The compose topology with the variables the env file sets (secrets, log level, gateway limits), as the tools see it. */
export function expectedTopology(envFile: string, extra: Record<string, string> = {}): { t: Topology; env: Record<string, string> } {
  const vars = readEnvFile(envFile);
  const env: Record<string, string> = { BRIGADEIRO_NETWORK: 'compose' };
  for (const v of [...SECRET_VARIABLES, PUBLISH_HOST, LOG_LEVEL, ...GATEWAY_VARIABLES]) {
    const value = vars[v.name];
    if (value !== undefined) env[v.name] = value;
  }
  Object.assign(env, extra);
  return { t: loadTopology(env), env };
}

function serviceSchema(name: ServiceName): z.ZodType {
  // The one known break of the layer rule (listed in eslint.config.mjs): infra/ loading a service's module.
  // The service's own schema is the only honest judge of its environment; see there for the fix left to do.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(REPO_ROOT, 'services', name, 'src', 'config')) as { configSchema?: z.ZodType };
  if (!mod.configSchema) throw new Error(`services/${name}/src/config.ts exports no configSchema`);
  return mod.configSchema;
}

/** The last stage of a Dockerfile (after its last FROM). */
function lastStage(text: string): string {
  const i = text.search(/^FROM\s[^\n]*$(?![\s\S]*^FROM\s)/m);
  return i < 0 ? text : text.slice(i);
}

function checkBuild(name: string, s: ComposeService, problems: string[]): string | undefined {
  if (!s.build) return undefined;
  const context = s.build.context;
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
    problems.push(`${name}: build context ${context} does not exist`);
    return undefined;
  }
  const dockerfile = path.resolve(context, s.build.dockerfile ?? 'Dockerfile');
  if (!fs.existsSync(dockerfile)) {
    problems.push(`${name}: Dockerfile ${dockerfile} does not exist`);
    return undefined;
  }
  const text = fs.readFileSync(dockerfile, 'utf8');
  const last = lastStage(text);
  const user = [...last.matchAll(/^USER\s+(\S+)/gm)].pop()?.[1];
  if (!user || user === 'root' || user === '0') problems.push(`${name}: ${path.relative(REPO_ROOT, dockerfile)} does not end as a non-root USER`);
  if (!/^HEALTHCHECK\s/m.test(last)) problems.push(`${name}: ${path.relative(REPO_ROOT, dockerfile)} has no HEALTHCHECK`);
  for (const finding of lintDockerfile(text)) problems.push(`${name}: ${path.relative(REPO_ROOT, dockerfile)}:${finding}`);
  return text;
}

/**
 * A Dockerfile's problems as dockerfile-utils' validator sees them (the linter behind VS Code's Docker
 * support: what the Docker builder would refuse, plus style warnings such as lowercase instructions or two
 * CMDs), each as `<line>: <error|warning>: <message>` with 1-based lines; [] when it lints clean. hadolint
 * installs neither from Debian bookworm nor from npm, so this is the linter that runs here.
 */
export function lintDockerfile(text: string): string[] {
  return lintDockerfileText(text).map((d) => `${d.range.start.line + 1}: ${d.severity === 1 ? 'error' : 'warning'}: ${d.message}`);
}

function dependsOn(s: ComposeService): Record<string, string | undefined> {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(s.depends_on).map(([k, v]) => [k, v?.condition]));
}

function targetPort(p: string | { target?: number }): number {
  if (typeof p === 'string') return Number((p.split('/')[0] ?? '').split(':').pop());
  return Number(p.target);
}

/** Runs every check; [] when docker-compose.yml resolves and agrees with the topology. */
export function checkCompose(o: CheckOptions = {}): string[] {
  const problems: string[] = [];
  let resolved: ResolvedCompose;
  try {
    resolved = resolveCompose(o);
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
  const services = resolved.services ?? {};
  const { t, env } = expectedTopology(o.envFile ?? path.join(REPO_ROOT, '.env.example'), o.topologyEnv);

  const expectedNames = new Set<string>([...COMPONENT_HOSTS, ...TOOL_SERVICES]);
  for (const h of expectedNames) if (!services[h]) problems.push(`${h}: the topology has this component but docker-compose.yml has no such service`);
  for (const name of Object.keys(services)) if (!expectedNames.has(name)) problems.push(`${name}: a compose service the topology does not know`);

  const dockerfiles: Record<string, string | undefined> = {};
  for (const [name, s] of Object.entries(services)) {
    dockerfiles[name] = checkBuild(name, s, problems);
    if (name !== 'nginx' && s.ports?.length) problems.push(`${name}: publishes a host port (${JSON.stringify(s.ports)}); only the gateway is published`);
  }

  // Each service's environment: its own zod schema accepts it, and it is exactly serviceEnv() of the compose topology.
  for (const name of SERVICES) {
    const s = services[name];
    if (!s) continue;
    const actual = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
    const parsed = serviceSchema(name).safeParse(actual);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${name}: its config schema rejects ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const expected = serviceEnv(t, name, 1, env);
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in actual)) problems.push(`${name}: ${k} is missing (the native stack sets it to ${JSON.stringify(v)})`);
      else if (actual[k] !== v) problems.push(`${name}: ${k} is ${JSON.stringify(actual[k])} but the topology says ${JSON.stringify(v)}`);
    }
    for (const k of Object.keys(actual)) if (!(k in expected)) problems.push(`${name}: ${k} is set but the native stack does not set it`);
    if (name === 'carrinho' && (s.container_name || s.hostname)) problems.push('carrinho: a fixed container_name or hostname prevents --scale');
  }

  // The gateway: the only published port, to the topology's gateway port.
  const nginx = services.nginx;
  if (nginx) {
    const targets = (nginx.ports ?? []).map(targetPort);
    if (targets.length !== 1 || targets[0] !== t.ports.gateway) {
      problems.push(`nginx: publishes container port(s) [${targets.join(', ')}] but the gateway listens on ${t.ports.gateway}`);
    }
  }

  // Where each compose service listens: the topology's ports for infra, PORT of its environment for services.
  const listens = (host: string): number[] => {
    const s = services[host];
    if (!s) return [];
    if ((SERVICES as readonly string[]).includes(host)) return [Number(s.environment?.PORT)];
    const p = t.ports;
    const infra: Record<string, number[]> = {
      etcd1: [p.etcd1Client, p.etcd1Peer], etcd2: [p.etcd2Client, p.etcd2Peer], etcd3: [p.etcd3Client, p.etcd3Peer], pg1: [p.pg1, p.patroni1], pg2: [p.pg2, p.patroni2],
      haproxy: [p.pgRw, p.pgRo, p.haproxyStats], redis: [p.redis], nginx: [p.gateway],
    };
    return infra[host] ?? [];
  };

  // Upstreams nginx names, and every host:port the rendered configurations point at.
  let files: Record<string, string> = {};
  try {
    files = renderComposeConfigs(t);
  } catch (e) {
    problems.push(`config: the infra templates do not render for compose: ${e instanceof Error ? e.message : String(e)}`);
  }
  const upstreams = [...(files['nginx.conf'] ?? '').matchAll(/^\s*server\s+([A-Za-z0-9_.-]+):(\d+)\b/gm)];
  if (files['nginx.conf'] && upstreams.length === 0) problems.push('nginx.conf: no upstream server found');
  for (const [file, text] of Object.entries(files)) {
    const refs = file === 'nginx.conf' ? upstreams : [...text.matchAll(/\b([a-z][a-z0-9]*):(\d{2,5})\b/g)].filter((m) => (COMPONENT_HOSTS as readonly string[]).includes(m[1] ?? ''));
    for (const m of refs) {
      const [host, port] = [m[1] ?? '', Number(m[2])];
      if (!services[host]) problems.push(`${file}: names ${host}:${port} but docker-compose.yml has no service ${host}`);
      else if (!listens(host).includes(port)) problems.push(`${file}: names ${host}:${port} but ${host} listens on ${listens(host).join(', ')}`);
    }
  }
  for (const up of ['catalogo', 'carrinho', 'pedidos'] as const) {
    if (!upstreams.some((m) => m[1] === up && Number(m[2]) === servicePort(t, up, 1))) problems.push(`nginx.conf: no upstream server ${up}:${servicePort(t, up, 1)}`);
  }

  // Start order: a service_healthy dependency needs a health check; completion only for the one-shot tools.
  for (const [name, s] of Object.entries(services)) {
    for (const [dep, condition] of Object.entries(dependsOn(s))) {
      const d = services[dep];
      if (!d) {
        problems.push(`${name}: depends on ${dep}, which is not a compose service`);
        continue;
      }
      if (condition === 'service_healthy' && !d.healthcheck?.test && !/^HEALTHCHECK\s+(?!NONE)/m.test(lastStage(dockerfiles[dep] ?? ''))) {
        problems.push(`${name}: waits for ${dep} to be healthy but ${dep} has no health check`);
      }
      if (condition === 'service_completed_successfully' && !(TOOL_SERVICES as readonly string[]).includes(dep)) {
        problems.push(`${name}: waits for ${dep} to exit, but ${dep} is a long-running component`);
      }
    }
  }
  return problems;
}

/** A published port as `ip:published->target` (compose's short syntax `[ip:]published:target[/proto]` or its long form). */
export function publishedPort(p: string | { host_ip?: string; published?: number | string; target?: number }): string {
  if (typeof p !== 'string') return `${p.host_ip ?? '0.0.0.0'}:${p.published ?? ''}->${p.target ?? ''}`;
  const parts = (p.split('/')[0] ?? '').split(':');
  const target = parts.pop() ?? '';
  const published = parts.pop() ?? '';
  return `${parts.join(':') || '0.0.0.0'}:${published}->${target}`;
}

/** JSON with object keys sorted, to compare two resolved services whatever order their keys came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v);
}

/**
 * docker-compose.failover.yml laid over docker-compose.yml, resolved together by `docker-compose config`:
 * - the pair resolves;
 * - each service of failoverPorts() publishes exactly the ports the failover measurements reach there, on
 *   127.0.0.1, at the topology's port outside and inside;
 * - the override publishes nothing else and changes nothing but ports (the stack is the same one).
 * [] when all agree.
 */
export function checkFailoverOverride(o: CheckOptions = {}): string[] {
  const overrides = o.overrideFiles ?? [path.join(REPO_ROOT, FAILOVER_OVERRIDE)];
  let base: ResolvedCompose;
  let merged: ResolvedCompose;
  try {
    base = resolveCompose({ ...o, overrideFiles: [] });
    merged = resolveCompose({ ...o, overrideFiles: overrides });
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
  const problems: string[] = [];
  const { t } = expectedTopology(o.envFile ?? path.join(REPO_ROOT, '.env.example'), o.topologyEnv);
  const expected = failoverPorts(t);
  const ports = (s: ComposeService | undefined) => (s?.ports ?? []).map(publishedPort).sort();
  for (const [name, s] of Object.entries(merged.services ?? {})) {
    const before = ports(base.services?.[name]);
    const added = ports(s).filter((p) => !before.includes(p));
    const want = (expected[name] ?? []).map((p) => `${FAILOVER_HOST_IP}:${p}->${p}`).sort();
    if (canonical(added) !== canonical(want)) {
      problems.push(want.length
        ? `${name}: ${FAILOVER_OVERRIDE} publishes [${added.join(', ')}] but the failover measurements need [${want.join(', ')}] (the topology's ports, on ${FAILOVER_HOST_IP} only)`
        : `${name}: ${FAILOVER_OVERRIDE} publishes [${added.join(', ')}] but the failover measurements reach nothing on ${name}`);
    }
    const rest = (x: ComposeService | undefined) => canonical({ ...x, ports: undefined });
    if (rest(s) !== rest(base.services?.[name])) problems.push(`${name}: ${FAILOVER_OVERRIDE} changes more than its published ports`);
  }
  for (const name of Object.keys(expected)) if (!merged.services?.[name]) problems.push(`${name}: the failover measurements need this compose service, which is missing`);
  return problems;
}
