/**
 * The compose stack's configuration files, rendered from the SAME templates as the native stack
 * (infra/{etcd,postgres,haproxy,redis}/*.tmpl through infra/template.ts, nginx through
 * infra/nginx/render.ts) and the same topology, at container start (the one-shot `config` service of
 * docker-compose.yml writes them into the shared `config` volume). Nothing here is a second copy of a
 * configuration: only the addresses change.
 *
 * The templates are written for one machine's loopback, so their text names 127.0.0.1. On the compose
 * network each component is a container: a server binds 0.0.0.0 and is reached by its compose service name.
 * toNetwork() rewrites exactly that and refuses to guess: a loopback address left over after its rules
 * (a new template line it does not understand) is an error, at container start and in npm test.
 */
import { ETCD_MEMBERS, type Topology, bindHost, etcdHosts, etcdPorts, hostForPort, initialCluster } from '@brigadeiro/topology';
import { renderNginxConf } from '../nginx/render';
import { infraFile, renderTemplate } from '../template';

/** Where the files and the data live inside the containers (see docker-compose.yml's volumes). */
export const CONTAINER_PATHS = {
  /** The shared volume the rendered files are written to, mounted read-only by the components. */
  config: '/config',
  etcdData: '/var/lib/etcd/data',
  /** The postgres image's data volume; each node keeps its cluster in a sub-folder named after it. */
  pgData: '/var/lib/postgresql/data',
  pgSockets: '/var/run/postgresql',
  redisData: '/data',
  /** nginx's writable prefix in the official image (temp files, the catalogue micro-cache). */
  nginxPrefix: '/var/cache/nginx',
} as const;

export const PG_NODES = ['pg1', 'pg2'] as const;

/** The files the `config` service writes, by name. */
export type RenderedFiles = Record<string, string>;

/**
 * Rewrites a rendered native configuration for the compose network:
 * - listen addresses (etcd's listen-*-urls, Patroni's `listen:`, `bind` of Redis and HAProxy) -> the bind address;
 * - pg_hba's `127.0.0.1/32` -> `samenet` (the compose network's subnet; passwords are still required);
 * - every other `127.0.0.1:<port>` -> `<compose service owning that port>:<port>` (hostForPort);
 * and throws when a loopback address is left (a template line these rules do not know).
 */
export function toNetwork(t: Topology, text: string, what: string): string {
  if (!t.network) throw new Error('toNetwork needs a topology with a network (BRIGADEIRO_NETWORK=compose)');
  const bind = bindHost(t);
  const out = text
    .replace(/^(\s*(?:listen-client-urls|listen-peer-urls|listen):\s*(?:https?:\/\/)?)127\.0\.0\.1(?=:)/gm, `$1${bind}`)
    .replace(/^(\s*bind\s+)127\.0\.0\.1\b/gm, `$1${bind}`)
    .replace(/^(\s*-\s*host\s+\S+\s+\S+\s+)127\.0\.0\.1\/32\b/gm, '$1samenet')
    .replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => `${hostForPort(t, Number(port))}:${port}`);
  const left = out.split('\n').findIndex((l) => l.includes('127.0.0.1'));
  if (left >= 0) {
    throw new Error(`${what}: line ${left + 1} still names 127.0.0.1 after the compose rewrite (${(out.split('\n')[left] ?? '').trim()}): teach infra/compose/render.ts toNetwork() this line`);
  }
  return out;
}

/** Replaces the one line that matches `pattern` (a template change that removes or doubles it fails). */
function replaceOnce(text: string, pattern: RegExp, replace: string, what: string): string {
  const hits = text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'));
  if (hits?.length !== 1) throw new Error(`${what}: expected exactly one line matching ${pattern}, found ${hits?.length ?? 0}`);
  return text.replace(pattern, replace);
}

/**
 * Every configuration file of the compose stack, rendered from the infra/ templates with the compose
 * topology (loadTopology with BRIGADEIRO_NETWORK=compose). Keys are file names in /config.
 */
export function renderComposeConfigs(t: Topology): RenderedFiles {
  if (!t.network) throw new Error('renderComposeConfigs needs a topology with a network (BRIGADEIRO_NETWORK=compose)');
  const files: RenderedFiles = {};

  // One file per member (each is its own container, with its own data volume).
  for (const member of ETCD_MEMBERS) {
    files[`${member}.conf.yml`] = toNetwork(t, renderTemplate(infraFile('etcd', 'etcd.conf.yml.tmpl'), {
      NAME: member,
      DATA_DIR: CONTAINER_PATHS.etcdData,
      CLIENT_PORT: etcdPorts(t, member).client,
      PEER_PORT: etcdPorts(t, member).peer,
      INITIAL_CLUSTER: initialCluster(t),
    }), `${member}.conf.yml`);
  }

  for (const node of PG_NODES) {
    const [pg, rest] = node === 'pg1' ? [t.ports.pg1, t.ports.patroni1] : [t.ports.pg2, t.ports.patroni2];
    files[`${node}.yml`] = toNetwork(t, renderTemplate(infraFile('postgres', 'patroni.yml.tmpl'), {
      NAME: node,
      REST_PORT: rest,
      ETCD_HOSTS: etcdHosts(t),
      PG_PORT: pg,
      DATA_DIR: `${CONTAINER_PATHS.pgData}/${node}`,
      PGPASS: `/tmp/${node}.pgpass`,
      SOCKET_DIR: CONTAINER_PATHS.pgSockets,
      SUPERUSER: t.superuser.user,
      SUPERUSER_PASSWORD: t.superuser.password.replace(/'/g, "''"),
      REPLICATION_USER: t.replication.user,
      REPLICATION_PASSWORD: t.replication.password.replace(/'/g, "''"),
    }), `${node}.yml`);
  }

  let haproxy = toNetwork(t, renderTemplate(infraFile('haproxy', 'haproxy.cfg.tmpl'), {
    STATS_SOCKET: '/tmp/haproxy.sock',
    PG_RW_PORT: t.ports.pgRw,
    PG_RO_PORT: t.ports.pgRo,
    PG1_PORT: t.ports.pg1,
    PG2_PORT: t.ports.pg2,
    PATRONI1_PORT: t.ports.patroni1,
    PATRONI2_PORT: t.ports.patroni2,
    STATS_PORT: t.ports.haproxyStats,
  }), 'haproxy.cfg');
  // A container that restarts (the failover demo kills one) may come back with another address: HAProxy
  // asks Docker's DNS again instead of keeping the address it resolved at start, and starts even when a
  // node's name does not resolve yet.
  haproxy = replaceOnce(haproxy, /^(\s*default-server\s.*)$/m, '$1 resolvers docker init-addr last,libc,none', 'haproxy.cfg');
  files['haproxy.cfg'] = `${haproxy.replace(/\n*$/, '\n')}
resolvers docker
    nameserver dns ${t.network.resolver}:53
    resolve_retries 3
    timeout resolve 1s
    timeout retry 1s
    hold valid 5s
    hold nx 5s
`;

  files['redis.conf'] = toNetwork(t, renderTemplate(infraFile('redis', 'redis.conf.tmpl'), {
    PORT: t.ports.redis,
    DATA_DIR: CONTAINER_PATHS.redisData,
  }), 'redis.conf');

  files['nginx.conf'] = renderNginxConf(t, {
    prefix: CONTAINER_PATHS.nginxPrefix,
    pidFile: '/tmp/nginx.pid',
    accessLog: '/dev/stdout',
    errorLog: '/dev/stderr',
  });
  return files;
}
