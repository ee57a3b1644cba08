/**
 * docker-compose.yml, docker-compose.failover.yml (the ports a failover run measures, published on 127.0.0.1),
 * .env.example and services/<name>/Dockerfile, generated from packages/topology (ports, host names, the env
 * of each service via serviceEnv) so the compose stack cannot drift from the native one.
 * `npx tsx scripts/cli/compose.ts generate` writes them; npm test fails when the committed files
 * differ from what this produces (test/compose.consistency.test.ts) and checks the resolved file on its own
 * terms too (infra/compose/check.ts).
 *
 * Secrets and log level are compose variables (`${NAME:-default}`, documented in .env.example) with the same
 * names and defaults the native stack reads; ports inside the compose network are the topology's defaults.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMPONENT_HOSTS, DB_SERVICES, DEFAULT_CARRINHO_INSTANCES, ETCD_MEMBERS, DEFAULT_GATEWAY, REPO_ROOT, SERVICES, type ServiceName, type Topology,
  MEASURED_PORTS, carrinhoPort, dbPassword, loadTopology, serviceEnv, servicePort,
} from '@brigadeiro/topology';
import { renderTemplate } from '../template';

/** A compose variable: its name (the native stack's own), default and what it does. */
export interface ComposeVariable {
  name: string;
  default: string;
  doc: string;
}

/** Variables the native topology reads that carry over to compose (secrets, log level, gateway limits). */
export const SECRET_VARIABLES: ComposeVariable[] = [
  { name: 'BRIGADEIRO_ADMIN_TOKEN', default: loadTopology({}).adminToken, doc: 'Bearer token of the admin routes (catalogue writes, fault injection); at least 8 characters' },
  { name: 'BRIGADEIRO_PG_SUPERUSER_PASSWORD', default: loadTopology({}).superuser.password, doc: "PostgreSQL superuser's password (Patroni, the migrate service)" },
  { name: 'BRIGADEIRO_PG_REPLICATION_PASSWORD', default: loadTopology({}).replication.password, doc: "PostgreSQL replication role's password (Patroni)" },
  ...DB_SERVICES.map((s) => ({
    name: `BRIGADEIRO_PG_${s.toUpperCase()}_PASSWORD`,
    default: dbPassword(s, {}),
    doc: `${s}'s database role password (URL-safe characters only: it goes into DATABASE_URL as is)`,
  })),
];

export const LOG_LEVEL: ComposeVariable = { name: 'LOG_LEVEL', default: 'info', doc: 'Log level of every service (fatal, error, warn, info, debug, trace, silent)' };

/** Read by the config service only (nginx.conf), exactly as the native stack reads them. */
export const GATEWAY_VARIABLES: ComposeVariable[] = [
  { name: 'BRIGADEIRO_RATE_LIMIT_RPS', default: String(DEFAULT_GATEWAY.rateLimitRps), doc: 'Gateway rate limit per client address, requests/s (0 = off)' },
  { name: 'BRIGADEIRO_RATE_LIMIT_BURST', default: String(DEFAULT_GATEWAY.rateLimitBurst), doc: 'Requests above the rate let through before 429s' },
  { name: 'BRIGADEIRO_BODY_LIMIT', default: '64k', doc: 'Largest request body (413 above)' },
  { name: 'BRIGADEIRO_CARRINHO_INSTANCES', default: String(DEFAULT_CARRINHO_INSTANCES), doc: 'How many carrinho instances nginx tries for one request (set it to your --scale)' },
];

/** The only port published to the host: the gateway's, under the native variable's name. */
export const GATEWAY_PORT: ComposeVariable = { name: 'BRIGADEIRO_PORT_GATEWAY', default: '8080', doc: 'Host port of the gateway (inside the compose network nginx listens on the topology port)' };

/**
 * The host address the gateway is published on: loopback unless you mean to open it. Every service gets it
 * (PUBLISH_HOST) and refuses to start with the default admin token when it is not loopback (packages/config).
 */
export const PUBLISH_HOST: ComposeVariable = {
  name: 'BRIGADEIRO_PUBLISH_HOST',
  default: '127.0.0.1',
  doc: 'Host address the gateway is published on (0.0.0.0: every interface; then BRIGADEIRO_ADMIN_TOKEN must be your own: `npm run compose -- env` writes a random one)',
};

export const ALL_VARIABLES = [GATEWAY_PORT, PUBLISH_HOST, ...SECRET_VARIABLES, LOG_LEVEL, ...GATEWAY_VARIABLES];

/** Compose services that are not components of the topology: the one-shot tools. */
export const TOOL_SERVICES = ['config', 'migrate'] as const;

export const IMAGES = {
  haproxy: 'haproxy:2.6-bookworm',
  redis: 'redis:7.0-bookworm',
  // `server ... resolve` in an upstream needs nginx >= 1.27.3 (stable 1.28).
  nginx: 'nginx:1.28-bookworm',
} as const;

const marker = (name: string) => `__BRIGADEIRO_VAR_${name}__`;
const interpolation = (v: ComposeVariable) => `\${${v.name}:-${v.default}}`;

/** The compose topology as the generator sees it: defaults everywhere, variables as markers. */
function markedTopology(): { t: Topology; env: Record<string, string> } {
  const env: Record<string, string> = { BRIGADEIRO_NETWORK: 'compose', LOG_LEVEL: marker(LOG_LEVEL.name) };
  for (const v of [...SECRET_VARIABLES, PUBLISH_HOST]) env[v.name] = marker(v.name);
  return { t: loadTopology(env), env };
}

/** Markers -> `${NAME:-default}`; a literal `$` is escaped for compose. */
function interpolate(value: string): string {
  let out = value.replace(/\$/g, '$$$$');
  for (const v of [...SECRET_VARIABLES, PUBLISH_HOST, LOG_LEVEL]) out = out.split(marker(v.name)).join(interpolation(v));
  if (out.includes('__BRIGADEIRO_VAR_')) throw new Error(`unknown marker left in ${value}`);
  return out;
}

function toolEnvironment(): Record<string, string> {
  const env: Record<string, string> = { BRIGADEIRO_NETWORK: 'compose' };
  for (const v of [...SECRET_VARIABLES, ...GATEWAY_VARIABLES]) env[v.name] = interpolation(v);
  return env;
}

const healthy = { condition: 'service_healthy' };
const done = { condition: 'service_completed_successfully' };
const configVolume = 'config:/config:ro';
const timing = { interval: '3s', timeout: '3s', retries: 20, start_period: '10s' };

/** A bash probe (the official images have bash but no curl): HTTP/1.0 request, succeed when `grep` matches. */
function bashHttpProbe(port: number, requestPath: string, grep: string): string[] {
  return ['CMD', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${requestPath} HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '${grep}' <&3`];
}

function serviceEntry(t: Topology, env: Record<string, string>, name: ServiceName): Record<string, unknown> {
  const environment = Object.fromEntries(Object.entries(serviceEnv(t, name, 1, env)).map(([k, v]) => [k, interpolate(v)]));
  const dependsOn: Record<string, unknown> = {};
  if ((DB_SERVICES as readonly string[]).includes(name)) dependsOn.migrate = done;
  if (name === 'carrinho') dependsOn.redis = healthy;
  const entry: Record<string, unknown> = {
    build: { context: '.', dockerfile: `services/${name}/Dockerfile` },
    image: `brigadeiro/${name}`,
    init: true,
    environment,
    depends_on: dependsOn,
    restart: 'unless-stopped',
  };
  // No host port, no container name: `docker compose up --scale carrinho=N` starts N of them and nginx finds
  // each through Docker's DNS (infra/nginx/render.ts with a network).
  if (name === 'carrinho') entry.deploy = { replicas: DEFAULT_CARRINHO_INSTANCES };
  return entry;
}

/** The docker-compose.yml document. */
export function composeModel(): Record<string, unknown> {
  const { t, env } = markedTopology();
  const services: Record<string, unknown> = {};
  services.config = {
    build: { context: '.', dockerfile: 'infra/compose/Dockerfile' },
    image: 'brigadeiro/tools',
    command: ['render', '/config'],
    environment: toolEnvironment(),
    volumes: ['config:/config'],
    restart: 'no',
  };
  // Three members as on the native stack, started together (a new cluster needs a quorum up to elect a
  // leader, and a member reports healthy only once there is one). The image reads its member's rendered file.
  for (const member of ETCD_MEMBERS) {
    services[member] = {
      build: { context: 'infra/compose/etcd' },
      image: 'brigadeiro/etcd',
      environment: { BRIGADEIRO_ETCD_MEMBER: member },
      volumes: [configVolume, `${member}-data:/var/lib/etcd`],
      depends_on: { config: done },
      restart: 'unless-stopped',
    };
  }
  const etcdHealthy = Object.fromEntries(ETCD_MEMBERS.map((m) => [m, healthy]));
  for (const node of ['pg1', 'pg2'] as const) {
    services[node] = {
      build: { context: 'infra/postgres' },
      image: 'brigadeiro/patroni',
      command: [node],
      hostname: node,
      volumes: [configVolume, `${node}-data:/var/lib/postgresql/data`],
      // A fresh cluster bootstraps on pg1 first (predictable leader, as on the native stack); pg2 clones it.
      depends_on: { config: done, ...etcdHealthy, ...(node === 'pg2' ? { pg1: healthy } : {}) },
      shm_size: '256m',
      stop_grace_period: '30s',
      restart: 'unless-stopped',
    };
  }
  services.haproxy = {
    image: IMAGES.haproxy,
    command: ['haproxy', '-db', '-f', '/config/haproxy.cfg'],
    volumes: [configVolume],
    depends_on: { config: done, pg1: healthy, pg2: healthy },
    // Healthy once its checks route the read-write endpoint to a primary (stats CSV: be_primary BACKEND UP).
    healthcheck: { test: bashHttpProbe(t.ports.haproxyStats, '/;csv', '^be_primary,BACKEND,.*,UP,'), ...timing },
    restart: 'unless-stopped',
  };
  services.redis = {
    image: IMAGES.redis,
    command: ['redis-server', '/config/redis.conf'],
    volumes: [configVolume, 'redis-data:/data'],
    depends_on: { config: done },
    healthcheck: { test: ['CMD', 'redis-cli', '-p', String(t.ports.redis), 'ping'], ...timing },
    restart: 'unless-stopped',
  };
  services.migrate = {
    build: { context: '.', dockerfile: 'infra/compose/Dockerfile' },
    image: 'brigadeiro/tools',
    command: ['db'],
    environment: toolEnvironment(),
    depends_on: { haproxy: healthy },
    restart: 'no',
  };
  for (const s of SERVICES) services[s] = serviceEntry(t, env, s);
  services.nginx = {
    image: IMAGES.nginx,
    command: ['nginx', '-c', '/config/nginx.conf', '-p', '/var/cache/nginx/', '-g', 'daemon off;'],
    volumes: [configVolume],
    ports: [`${interpolation(PUBLISH_HOST)}:\${${GATEWAY_PORT.name}:-${GATEWAY_PORT.default}}:${t.ports.gateway}`],
    depends_on: { config: done, catalogo: healthy, carrinho: healthy, pedidos: healthy },
    healthcheck: { test: bashHttpProbe(t.ports.gateway, '/health', ' 200 '), ...timing },
    restart: 'unless-stopped',
  };
  for (const h of COMPONENT_HOSTS) if (!services[h]) throw new Error(`no compose service for component ${h}`);
  return {
    services,
    volumes: { config: {}, ...Object.fromEntries(ETCD_MEMBERS.map((m) => [`${m}-data`, {}])), 'pg1-data': {}, 'pg2-data': {}, 'redis-data': {} },
  };
}

/** The override file a failover run adds to docker-compose.yml (scripts/failover.sh --compose). */
export const FAILOVER_OVERRIDE = 'docker-compose.failover.yml';

/** Where the override publishes: this machine's loopback only. */
export const FAILOVER_HOST_IP = '127.0.0.1';

/**
 * The ports docker-compose.failover.yml publishes, by compose service: what the failover measurements reach
 * (MEASURED_PORTS) except the gateway, which docker-compose.yml publishes already. Each at the same number
 * outside as inside, the topology's, so the one Topology of the native stack also describes, from the host,
 * a compose stack started with both files.
 */
export function failoverPorts(t: Topology): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [host, names] of Object.entries(MEASURED_PORTS)) {
    if (host !== 'nginx') out[host] = names.map((n) => t.ports[n]);
  }
  return out;
}

function failoverOverrideModel(): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  for (const [host, ports] of Object.entries(failoverPorts(markedTopology().t))) {
    services[host] = { ports: ports.map((p) => `${FAILOVER_HOST_IP}:${p}:${p}`) };
  }
  return { services };
}

/** YAML for the model: block style, every string double-quoted (JSON strings are valid YAML). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) ? k : JSON.stringify(k));
  const scalar = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const isBlock = (v: unknown) => typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
  if (Array.isArray(value)) {
    return value.map((v) => (isBlock(v) ? `${pad}-\n${toYaml(v, indent + 2)}` : `${pad}- ${scalar(v)}\n`)).join('');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => {
      if (isBlock(v)) return `${pad}${key(k)}:\n${toYaml(v, indent + 2)}`;
      if (typeof v === 'object' && v !== null) return `${pad}${key(k)}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
      return `${pad}${key(k)}: ${scalar(v)}\n`;
    })
    .join('');
}

const GENERATED = 'Generated by `npx tsx scripts/cli/compose.ts generate` (infra/compose/model.ts) from packages/topology';

function composeFile(): string {
  return `# Brigadeiro on Docker Compose: the native stack's topology in containers.
# ${GENERATED}:
# do not edit by hand; npm test fails when this file and the generator disagree.
#   docker compose up --build --scale carrinho=3     (then http://localhost:\${${GATEWAY_PORT.name}:-8080}/api/v1/produtos)
# The configuration files come from the same infra/ templates as the native stack, rendered at start by the
# one-shot config service; migrations and seed run once in the migrate service. Only nginx is published.
${toYaml(composeModel())}`;
}

function failoverOverrideFile(): string {
  return `# For scripts/failover.sh --compose only: publishes on ${FAILOVER_HOST_IP} what the failover measurements reach
# (each node's Patroni REST API and PostgreSQL, HAProxy's read-write port; the gateway is in docker-compose.yml)
# at the native stack's port numbers. Start the stack with both files:
#   docker compose -f docker-compose.yml -f ${FAILOVER_OVERRIDE} up --build -d
# ${GENERATED}:
# do not edit by hand; npm test fails when this file and the generator disagree.
${toYaml(failoverOverrideModel())}`;
}

function envExample(): string {
  const lines = [
    '# Variables docker-compose.yml reads (copy to .env to change them). The names are the native stack\'s own.',
    `# ${GENERATED}.`,
    '',
  ];
  for (const v of ALL_VARIABLES) lines.push(`# ${v.doc}`, `${v.name}=${v.default}`, '');
  return lines.join('\n');
}

/**
 * A .env for a compose stack of your own: .env.example's variables with every secret (the admin token, the
 * database passwords) replaced by a random one. 18 random bytes in base64url: URL-safe, as DATABASE_URL needs.
 */
export function privateEnv(random: () => string = () => crypto.randomBytes(18).toString('base64url')): string {
  const secrets = new Set(SECRET_VARIABLES.map((v) => v.name));
  const lines = ['# Written by `npm run compose -- env`: random secrets for this machine. Keep it out of git (it is ignored).', ''];
  for (const v of ALL_VARIABLES) lines.push(`# ${v.doc}`, `${v.name}=${secrets.has(v.name) ? random() : v.default}`, '');
  return lines.join('\n');
}

function serviceDockerfile(name: ServiceName): string {
  const { t } = markedTopology();
  return renderTemplate(path.join(REPO_ROOT, 'infra', 'compose', 'service.Dockerfile.tmpl'), {
    SERVICE: name,
    PORT: name === 'carrinho' ? carrinhoPort(t, 1) : servicePort(t, name),
  });
}

/** Every generated file, by path relative to the repository root. */
export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = { 'docker-compose.yml': composeFile(), [FAILOVER_OVERRIDE]: failoverOverrideFile(), '.env.example': envExample() };
  for (const s of SERVICES) files[`services/${s}/Dockerfile`] = serviceDockerfile(s);
  return files;
}

/** Generated files whose content on disk (under `root`) differs from the generator's. */
export function staleFiles(root: string = REPO_ROOT): string[] {
  return Object.entries(generatedFiles())
    .filter(([rel, text]) => {
      const file = path.join(root, rel);
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
    })
    .map(([rel]) => rel);
}
