/**
 * The one source of the stack's shape: which components exist, their ports, addresses, credentials and
 * the environment each service is started with. The orchestrator (scripts/stack), the nginx renderer,
 * the tests and the benchmarks all read it from here; nothing else hard-codes a port.
 *
 * Every port can be moved with `BRIGADEIRO_PORT_<NAME>` (e.g. BRIGADEIRO_PORT_GATEWAY=9090), and the
 * whole map can be shifted with BRIGADEIRO_PORT_OFFSET (npm test uses an offset so it never collides
 * with a stack a person left running). None is on PostgreSQL's (5432) or Redis's (6379) standard port.
 */
import path from 'node:path';

export const SERVICES = ['catalogo', 'carrinho', 'pedidos', 'pagamentos', 'estoque', 'fiscal', 'logistica'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Services that own a database (all of them but carrinho, which keeps its carts in Redis). */
export const DB_SERVICES = ['catalogo', 'pedidos', 'pagamentos', 'estoque', 'fiscal', 'logistica'] as const;
export type DbServiceName = (typeof DB_SERVICES)[number];

export const DEFAULT_PORTS = {
  gateway: 8080,
  /** Three etcd members (etcd1..etcd3), each with a client and a peer port: a quorum survives one loss. */
  etcd1Client: 2479,
  etcd1Peer: 2480,
  etcd2Client: 2481,
  etcd2Peer: 2482,
  etcd3Client: 2483,
  etcd3Peer: 2484,
  pg1: 5442,
  pg2: 5443,
  patroni1: 8018,
  patroni2: 8019,
  pgRw: 5440,
  pgRo: 5441,
  haproxyStats: 8405,
  redis: 6390,
  catalogo: 3101,
  pedidos: 3102,
  pagamentos: 3103,
  estoque: 3104,
  fiscal: 3105,
  logistica: 3106,
  /** carrinho instance i (1-based) listens on carrinhoBase + i. */
  carrinhoBase: 3110,
} as const;
export type PortName = keyof typeof DEFAULT_PORTS;

export const HOST = '127.0.0.1';
/** The admin token when none is set: fine on loopback, refused by every service once the gateway is published beyond it. */
export const DEFAULT_ADMIN_TOKEN = 'brigadeiro-admin';
export const DEFAULT_CARRINHO_INSTANCES = 3;
export const MAX_CARRINHO_INSTANCES = 9;

export interface Topology {
  home: string;
  ports: Record<PortName, number>;
  carrinhoInstances: number;
  superuser: { user: string; password: string };
  replication: { user: string; password: string };
  adminToken: string;
  /**
   * The host address the gateway is published on: 127.0.0.1 natively (nginx binds loopback only); under
   * Docker Compose, BRIGADEIRO_PUBLISH_HOST (default 127.0.0.1; 0.0.0.0 publishes it on every interface).
   * Services refuse the default admin token when this is not a loopback address (packages/config).
   */
  publishHost: string;
  gateway: GatewaySettings;
  /**
   * Set when the components are not all on this machine's loopback: the Docker Compose network, where each
   * one is a container reached by its compose service name (see COMPOSE_NETWORK). Absent on the native stack.
   */
  network?: Network;
}

/** The compose service names, one per host: the infrastructure, each service and the gateway (nginx). */
/** The etcd members, in order: member N is etcdN, on ports etcdNClient and etcdNPeer. */
export const ETCD_MEMBERS = ['etcd1', 'etcd2', 'etcd3'] as const;
export type EtcdMember = (typeof ETCD_MEMBERS)[number];

export const COMPONENT_HOSTS = [...ETCD_MEMBERS, 'pg1', 'pg2', 'haproxy', 'redis', ...SERVICES, 'nginx'] as const;
export type ComponentHost = (typeof COMPONENT_HOSTS)[number];

/** Where a server binds and under which name each component is reached when they are not on 127.0.0.1. */
export interface Network {
  /** The address every server listens on inside its own container. */
  bind: string;
  /** Host name of each component (Docker's DNS resolves compose service names). */
  hosts: Record<ComponentHost, string>;
  /** The DNS server nginx asks to re-resolve upstreams (scaled carrinho replicas come and go). */
  resolver: string;
}

/** docker-compose.yml's network: every component is the compose service of the same name. */
export const COMPOSE_NETWORK: Network = {
  bind: '0.0.0.0',
  hosts: Object.fromEntries(COMPONENT_HOSTS.map((h) => [h, h])) as Record<ComponentHost, string>,
  // Docker's embedded DNS server, present in every container on a user-defined network.
  resolver: '127.0.0.11',
};

/** What the nginx gateway enforces in front of the services (see infra/nginx/render.ts). */
export interface GatewaySettings {
  /** Requests per second per client address; 0 turns the rate limit off. Env BRIGADEIRO_RATE_LIMIT_RPS, default 2000. */
  rateLimitRps: number;
  /** Requests above the rate let through at once before 429s start. Env BRIGADEIRO_RATE_LIMIT_BURST, default 4000. */
  rateLimitBurst: number;
  /** Largest request body in bytes (413 above). Env BRIGADEIRO_BODY_LIMIT ("65536", "64k", "1m"), default 64k. */
  bodyLimitBytes: number;
}

export const DEFAULT_GATEWAY: GatewaySettings = { rateLimitRps: 2000, rateLimitBurst: 4000, bodyLimitBytes: 64 * 1024 };

type Env = Record<string, string | undefined>;

/** The environment variable that moves one port, e.g. portEnvName('pgRw') === 'BRIGADEIRO_PORT_PG_RW'. */
export function portEnvName(port: PortName): string {
  return 'BRIGADEIRO_PORT_' + port.replace(/([A-Z])/g, '_$1').toUpperCase();
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function readSize(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^\s*(\d+)\s*([kKmM]?)\s*$/.exec(raw);
  const bytes = m ? Number(m[1]) * (m[2] ? (m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024) : 1) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 1024 * 1024 * 1024) {
    throw new Error(`${name} must be a size in bytes from 1 to 1g, optionally with a k or m suffix (e.g. 64k), got "${raw}"`);
  }
  return bytes;
}

/** The repository root (this file lives at packages/topology/src/index.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Builds the topology from the environment. BRIGADEIRO_NETWORK=compose (set in docker-compose.yml) puts every
 * component at its compose service name instead of 127.0.0.1. Defaults: state in <repo>/.brigadeiro, the ports above,
 * 3 carrinho instances, admin token "brigadeiro-admin" (local use only; set BRIGADEIRO_ADMIN_TOKEN), gateway
 * rate limit 2000 r/s burst 4000 per client and body limit 64k (DEFAULT_GATEWAY).
 */
export function loadTopology(env: Env = process.env): Topology {
  const offset = readInt(env, 'BRIGADEIRO_PORT_OFFSET', 0, 0, 20000);
  const ports = {} as Record<PortName, number>;
  for (const [name, port] of Object.entries(DEFAULT_PORTS) as [PortName, number][]) {
    ports[name] = readInt(env, portEnvName(name), port + offset, 1, 65535);
  }
  return {
    home: path.resolve(env.BRIGADEIRO_HOME || path.join(REPO_ROOT, '.brigadeiro')),
    ports,
    carrinhoInstances: readInt(env, 'BRIGADEIRO_CARRINHO_INSTANCES', DEFAULT_CARRINHO_INSTANCES, 1, MAX_CARRINHO_INSTANCES),
    superuser: { user: 'postgres', password: env.BRIGADEIRO_PG_SUPERUSER_PASSWORD || 'brigadeiro-superuser' },
    replication: { user: 'replicator', password: env.BRIGADEIRO_PG_REPLICATION_PASSWORD || 'brigadeiro-replicator' },
    adminToken: env.BRIGADEIRO_ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN,
    publishHost: env.BRIGADEIRO_NETWORK === 'compose' ? env.BRIGADEIRO_PUBLISH_HOST || HOST : HOST,
    ...(env.BRIGADEIRO_NETWORK === 'compose' ? { network: COMPOSE_NETWORK } : {}),
    gateway: {
      rateLimitRps: readInt(env, 'BRIGADEIRO_RATE_LIMIT_RPS', DEFAULT_GATEWAY.rateLimitRps, 0, 1_000_000),
      rateLimitBurst: readInt(env, 'BRIGADEIRO_RATE_LIMIT_BURST', DEFAULT_GATEWAY.rateLimitBurst, 0, 10_000_000),
      bodyLimitBytes: readSize(env, 'BRIGADEIRO_BODY_LIMIT', DEFAULT_GATEWAY.bodyLimitBytes),
    },
  };
}

/** Which component listens on a port of the map (carrinho's instances all count as carrinho). */
function componentOfPort(t: Topology, port: number): ComponentHost | undefined {
  const p = t.ports;
  const byPort: [number, ComponentHost][] = [
    ...ETCD_MEMBERS.flatMap((m): [number, ComponentHost][] => [[etcdPorts(t, m).client, m], [etcdPorts(t, m).peer, m]]),
    [p.pg1, 'pg1'], [p.patroni1, 'pg1'], [p.pg2, 'pg2'], [p.patroni2, 'pg2'],
    [p.pgRw, 'haproxy'], [p.pgRo, 'haproxy'], [p.haproxyStats, 'haproxy'], [p.redis, 'redis'], [p.gateway, 'nginx'],
    ...SERVICES.filter((s) => s !== 'carrinho').map((s): [number, ComponentHost] => [p[s], s]),
  ];
  const hit = byPort.find(([n]) => n === port)?.[1];
  if (hit) return hit;
  return port > p.carrinhoBase && port <= p.carrinhoBase + MAX_CARRINHO_INSTANCES ? 'carrinho' : undefined;
}

/**
 * The host name to reach the component listening on `port`: 127.0.0.1 on the native stack, its compose
 * service name on the compose network. Throws for a port that is not in the map when there is a network.
 */
export function hostForPort(t: Topology, port: number): string {
  if (!t.network) return HOST;
  const c = componentOfPort(t, port);
  if (!c) throw new Error(`port ${port} belongs to no component of the topology`);
  return t.network.hosts[c];
}

/** The address servers listen on: 127.0.0.1 natively, the network's bind address (0.0.0.0) in a container. */
export function bindHost(t: Topology): string {
  return t.network?.bind ?? HOST;
}

/** The client and peer ports of one etcd member. */
export function etcdPorts(t: Topology, member: EtcdMember): { client: number; peer: number } {
  const p = t.ports;
  switch (member) {
    case 'etcd1':
      return { client: p.etcd1Client, peer: p.etcd1Peer };
    case 'etcd2':
      return { client: p.etcd2Client, peer: p.etcd2Peer };
    case 'etcd3':
      return { client: p.etcd3Client, peer: p.etcd3Peer };
  }
}

/** `initial-cluster` of every member: name=peer URL for all three. */
export function initialCluster(t: Topology): string {
  return ETCD_MEMBERS.map((m) => `${m}=http://${HOST}:${etcdPorts(t, m).peer}`).join(',');
}

/** Patroni's etcd3 `hosts:` (every member's client address). */
export function etcdHosts(t: Topology): string {
  return ETCD_MEMBERS.map((m) => `${HOST}:${etcdPorts(t, m).client}`).join(',');
}

export function carrinhoPort(t: Topology, instance: number): number {
  return t.ports.carrinhoBase + instance;
}

export function servicePort(t: Topology, name: ServiceName, instance = 1): number {
  return name === 'carrinho' ? carrinhoPort(t, instance) : t.ports[name];
}

export function serviceUrl(t: Topology, name: ServiceName, instance = 1): string {
  const port = servicePort(t, name, instance);
  return `http://${hostForPort(t, port)}:${port}`;
}

export function gatewayUrl(t: Topology): string {
  return `http://${hostForPort(t, t.ports.gateway)}:${t.ports.gateway}`;
}

/** The password of a service's own database role (local stack only; override with BRIGADEIRO_PG_<SERVICE>_PASSWORD). */
export function dbPassword(name: DbServiceName, env: Env = process.env): string {
  return env[`BRIGADEIRO_PG_${name.toUpperCase()}_PASSWORD`] || `${name}-local-pw`;
}

/** A service's connection string: read-write goes to HAProxy's primary endpoint, read-only to its replica endpoint. */
export function databaseUrl(t: Topology, name: DbServiceName, mode: 'rw' | 'ro' = 'rw', env: Env = process.env): string {
  const port = mode === 'rw' ? t.ports.pgRw : t.ports.pgRo;
  return `postgresql://${name}:${encodeURIComponent(dbPassword(name, env))}@${hostForPort(t, port)}:${port}/${name}`;
}

export function superuserUrl(t: Topology, port: number = t.ports.pgRw, database = 'postgres'): string {
  return `postgresql://${t.superuser.user}:${encodeURIComponent(t.superuser.password)}@${hostForPort(t, port)}:${port}/${database}`;
}

export function redisUrl(t: Topology): string {
  return `redis://${hostForPort(t, t.ports.redis)}:${t.ports.redis}`;
}

/**
 * The environment a service process is started with. Each service's own zod config (src/config.ts)
 * is the judge of these variables; this is the only place that produces them.
 */
export function serviceEnv(t: Topology, name: ServiceName, instance = 1, env: Env = process.env): Record<string, string> {
  const base: Record<string, string> = {
    NODE_ENV: 'production',
    SERVICE_NAME: name,
    INSTANCE_ID: name === 'carrinho' ? `carrinho-${instance}` : name,
    HOST: bindHost(t),
    PORT: String(servicePort(t, name, instance)),
    LOG_LEVEL: env.LOG_LEVEL || 'info',
    ADMIN_TOKEN: t.adminToken,
    PUBLISH_HOST: t.publishHost,
  };
  switch (name) {
    case 'catalogo':
      return { ...base, DATABASE_URL: databaseUrl(t, name, 'rw', env), DATABASE_READ_URL: databaseUrl(t, name, 'ro', env) };
    case 'carrinho':
      // On a network the replicas of carrinho share one environment (docker compose --scale): each container
      // names itself from its host name (infra/compose/service-entrypoint.sh), so INSTANCE_ID is left out.
      if (t.network) delete base.INSTANCE_ID;
      return { ...base, REDIS_URL: redisUrl(t), CATALOGO_URL: serviceUrl(t, 'catalogo') };
    case 'pedidos':
      return {
        ...base,
        DATABASE_URL: databaseUrl(t, name, 'rw', env),
        CATALOGO_URL: serviceUrl(t, 'catalogo'),
        // Through the gateway, not one instance: any carrinho instance can answer, and nginx retries another
        // when one is down, so a checkout does not depend on carrinho-1 being up.
        CARRINHO_URL: gatewayUrl(t),
        PAGAMENTOS_URL: serviceUrl(t, 'pagamentos'),
        ESTOQUE_URL: serviceUrl(t, 'estoque'),
        FISCAL_URL: serviceUrl(t, 'fiscal'),
        LOGISTICA_URL: serviceUrl(t, 'logistica'),
      };
    case 'estoque':
      return { ...base, DATABASE_URL: databaseUrl(t, name, 'rw', env), CATALOGO_URL: serviceUrl(t, 'catalogo') };
    default:
      return { ...base, DATABASE_URL: databaseUrl(t, name, 'rw', env) };
  }
}

/** Every process the stack runs, in start order, with the address a person would use. */
export function components(t: Topology): { name: string; kind: 'infra' | 'service' | 'gateway'; port: number }[] {
  const list: { name: string; kind: 'infra' | 'service' | 'gateway'; port: number }[] = [
    ...ETCD_MEMBERS.map((m) => ({ name: m as string, kind: 'infra' as const, port: etcdPorts(t, m).client })),
    { name: 'pg1', kind: 'infra', port: t.ports.pg1 },
    { name: 'pg2', kind: 'infra', port: t.ports.pg2 },
    { name: 'haproxy', kind: 'infra', port: t.ports.pgRw },
    { name: 'redis', kind: 'infra', port: t.ports.redis },
  ];
  for (const s of SERVICES) {
    if (s === 'carrinho') {
      for (let i = 1; i <= t.carrinhoInstances; i++) list.push({ name: `carrinho-${i}`, kind: 'service', port: carrinhoPort(t, i) });
    } else {
      list.push({ name: s, kind: 'service', port: t.ports[s] });
    }
  }
  list.push({ name: 'nginx', kind: 'gateway', port: t.ports.gateway });
  return list;
}

/**
 * Every port the failover measurements (scripts/failover/run.ts) reach from this machine, by the component that
 * listens on it: each node's Patroni REST API (pgCluster asks /cluster) and PostgreSQL (the leader's
 * pg_stat_replication), HAProxy's read-write port (rwWritable, the probe table, missingOrders) and the gateway
 * (carts, the workload, the read prober, the first-checkout prober). Nothing else is read, and nothing is
 * reached at an address taken from Patroni's answer: members are found by name at these topology ports. A stack
 * whose components are not on this machine's loopback must publish exactly these on 127.0.0.1
 * (docker-compose.failover.yml).
 */
export const MEASURED_PORTS = {
  pg1: ['pg1', 'patroni1'],
  pg2: ['pg2', 'patroni2'],
  haproxy: ['pgRw'],
  nginx: ['gateway'],
} as const satisfies Partial<Record<ComponentHost, readonly PortName[]>>;
