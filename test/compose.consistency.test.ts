/**
 * docker-compose.yml against the native stack (no Docker engine here: these checks are what keeps the compose
 * path from rotting). docker-compose config resolves the file; infra/compose/check.ts compares it with the
 * topology, the services' zod schemas and the rendered nginx and infra configurations; and each kind of
 * one-sided change (variable, upstream, port, template, generated file) is shown to be caught.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, loadTopology, serviceEnv } from '@brigadeiro/topology';
import { renderNginxConf } from '../infra/nginx/render';
import { checkCompose, ensureDockerCompose, lintDockerfile, parseYaml } from '../infra/compose/check';
import { generatedFiles, staleFiles } from '../infra/compose/model';
import { renderComposeConfigs, toNetwork } from '../infra/compose/render';

jest.setTimeout(120_000);

type Service = Record<string, unknown> & { environment: Record<string, string | undefined>; depends_on: Record<string, unknown> };
type Compose = { services: Record<string, Service> };

/** A compose service of the parsed file (throws when missing, so a mutation never edits nothing). */
function svc(c: Compose, name: string): Service {
  const s = c.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

function composeConfig(name: string): string {
  const text = renderComposeConfigs(loadTopology({ BRIGADEIRO_NETWORK: 'compose' }))[name];
  if (text === undefined) throw new Error(`no rendered ${name}`);
  return text;
}

let tmp: string;

beforeAll(() => {
  ensureDockerCompose();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-compose-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The committed docker-compose.yml as an object (YAML read by python3-yaml, which docker-compose depends on). */
function readCompose(): Compose {
  return parseYaml<Compose>(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'));
}

/** Writes a changed copy of docker-compose.yml (JSON is YAML) and checks it, build paths still from the repository. */
function checkMutated(mutate: (c: Compose) => void, topologyEnv?: Record<string, string>): string[] {
  const c = readCompose();
  mutate(c);
  const file = path.join(tmp, `docker-compose.${Math.random().toString(36).slice(2)}.yml`);
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  return checkCompose({ composeFile: file, projectDir: REPO_ROOT, topologyEnv });
}

describe('docker-compose.yml as committed', () => {
  test('when docker-compose config resolves it, then it is accepted and agrees with the native topology', () => {
    expect(checkCompose()).toEqual([]);
  });

  test('when `compose env` writes a private .env, then every secret is random, the gateway stays on loopback, compose accepts it, and a second run keeps the file', () => {
    const file = path.join(tmp, 'private.env');
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const first = spawnSync(tsx, [path.join(REPO_ROOT, 'scripts', 'cli', 'compose.ts'), 'env', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(first.status).toBe(0);
    const vars = Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^[A-Z_0-9]+=/.test(l)).map((l) => l.split('=') as [string, string]));
    const defaults = loadTopology({});
    expect(vars.BRIGADEIRO_ADMIN_TOKEN).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(vars.BRIGADEIRO_ADMIN_TOKEN).not.toBe(defaults.adminToken);
    expect(vars.BRIGADEIRO_PG_PEDIDOS_PASSWORD).not.toBe('pedidos-local-pw');
    expect(new Set(Object.entries(vars).filter(([k]) => /TOKEN|PASSWORD/.test(k)).map(([, v]) => v)).size).toBe(Object.keys(vars).filter((k) => /TOKEN|PASSWORD/.test(k)).length);
    expect(vars.BRIGADEIRO_PUBLISH_HOST).toBe('127.0.0.1');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(checkCompose({ envFile: file })).toEqual([]);
    const again = spawnSync(tsx, [path.join(REPO_ROOT, 'scripts', 'cli', 'compose.ts'), 'env', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/exists; nothing written/);
  });

  test('when the gateway is published, then it is on BRIGADEIRO_PUBLISH_HOST (loopback by default) and every service is told where', () => {
    const c = readCompose();
    expect(svc(c, 'nginx').ports).toEqual(['${BRIGADEIRO_PUBLISH_HOST:-127.0.0.1}:${BRIGADEIRO_PORT_GATEWAY:-8080}:8080']);
    for (const name of ['catalogo', 'carrinho', 'pedidos', 'pagamentos', 'estoque', 'fiscal', 'logistica']) {
      expect(svc(c, name).environment.PUBLISH_HOST).toBe('${BRIGADEIRO_PUBLISH_HOST:-127.0.0.1}');
    }
  });

  test('when the generator runs, then docker-compose.yml, .env.example and every service Dockerfile are what it produces', () => {
    expect(staleFiles()).toEqual([]);
  });

  test('when every Dockerfile of the repository is linted (dockerfile-utils), then none has an error or a warning', () => {
    const files = spawnSync('git', ['ls-files', '*Dockerfile'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['infra/compose/Dockerfile', 'infra/postgres/Dockerfile', 'services/pedidos/Dockerfile']));
    const findings = files.flatMap((f) => lintDockerfile(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')).map((x) => `${f}:${x}`));
    expect(findings).toEqual([]);
  });

  test('when the compose configuration files are rendered, then HAProxy accepts haproxy.cfg', () => {
    const dir = path.join(tmp, 'haproxy');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'haproxy.cfg'), composeConfig('haproxy.cfg'));
    const r = spawnSync('haproxy', ['-c', '-f', path.join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('Configuration file is valid');
    expect(r.status).toBe(0);
  });

  test('when the compose nginx.conf is tested by the local nginx (1.22: no `resolve`, names mapped to loopback), then its syntax is accepted', () => {
    // The real file needs nginx >= 1.27.3 and Docker's DNS: this checks everything else in it.
    const dir = path.join(tmp, 'nginx');
    fs.mkdirSync(dir, { recursive: true });
    const conf = composeConfig('nginx.conf')
      .replace(/ resolve\b/g, '')
      .replace(/^(\s*server\s+)[a-z]+:/gm, '$1127.0.0.1:')
      .replace(/\/var\/cache\/nginx/g, dir)
      .replace('/tmp/nginx.pid', path.join(dir, 'nginx.pid'))
      .replace(/\/dev\/std(out|err)/g, path.join(dir, 'std$1.log'));
    expect(conf).toContain('resolver 127.0.0.11 valid=5s');
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const r = spawnSync('nginx', ['-t', '-c', path.join(dir, 'nginx.conf'), '-p', `${dir}/`, '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
    expect(r.stderr).toContain('test is successful');
  });
});

describe('native output is unchanged by the compose network', () => {
  test('when the topology has no network, then nginx.conf upstreams and the services stay on 127.0.0.1 without Docker DNS', () => {
    const t = loadTopology({});
    const conf = renderNginxConf(t, { prefix: '/p', pidFile: '/p/nginx.pid', accessLog: '/a.log', errorLog: '/e.log' });
    expect(conf).not.toMatch(/resolver|\bresolve\b|zone upstream_/);
    const servers = [...conf.matchAll(/^\s*server\s+([^\s{]+)/gm)].map((m) => m[1]);
    expect(servers.length).toBe(2 + t.carrinhoInstances);
    for (const s of servers) expect(s?.startsWith('127.0.0.1:')).toBe(true);
    expect(conf).toContain(`listen 127.0.0.1:${t.ports.gateway} default_server;`);
    const env = serviceEnv(t, 'carrinho', 2, {});
    expect(env).toMatchObject({ HOST: '127.0.0.1', INSTANCE_ID: 'carrinho-2', REDIS_URL: `redis://127.0.0.1:${t.ports.redis}` });
  });
});

describe('a change on one side only is caught', () => {
  test('when a service port is changed in docker-compose.yml only, then the check names the service, its PORT and the nginx upstream', () => {
    const problems = checkMutated((c) => {
      svc(c, 'catalogo').environment.PORT = '3199';
    });
    expect(problems).toEqual(expect.arrayContaining([
      'catalogo: PORT is "3199" but the topology says "3101"',
      'nginx.conf: names catalogo:3101 but catalogo listens on 3199',
    ]));
  });

  test('when a port is moved in the topology only, then the committed compose file is reported as disagreeing', () => {
    const problems = checkMutated(() => undefined, { BRIGADEIRO_PORT_PEDIDOS: '3999' });
    expect(problems).toEqual(expect.arrayContaining([
      'pedidos: PORT is "3102" but the topology says "3999"',
      'nginx.conf: names pedidos:3999 but pedidos listens on 3102',
    ]));
  });

  test('when a variable is renamed in a service environment, then its own zod schema and the native env both reject it', () => {
    const problems = checkMutated((c) => {
      const env = svc(c, 'pagamentos').environment;
      env.DATABASE_URI = env.DATABASE_URL;
      delete env.DATABASE_URL;
    });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^pagamentos: its config schema rejects DATABASE_URL: /),
      expect.stringMatching(/^pagamentos: DATABASE_URL is missing/),
      'pagamentos: DATABASE_URI is set but the native stack does not set it',
    ]));
  });

  test('when a host name in a URL differs from the compose service, then the check says what the topology expects', () => {
    const problems = checkMutated((c) => {
      svc(c, 'carrinho').environment.CATALOGO_URL = 'http://catalog:3101';
    });
    expect(problems).toContain('carrinho: CATALOGO_URL is "http://catalog:3101" but the topology says "http://catalogo:3101"');
  });

  test('when the service an nginx upstream names is removed from docker-compose.yml, then the upstream is reported', () => {
    const problems = checkMutated((c) => {
      delete c.services.pedidos;
      // docker-compose itself would refuse a dependency on a missing service: the upstream is what is left.
      delete svc(c, 'nginx').depends_on.pedidos;
    });
    expect(problems).toEqual(expect.arrayContaining([
      'pedidos: the topology has this component but docker-compose.yml has no such service',
      'nginx.conf: names pedidos:3102 but docker-compose.yml has no service pedidos',
    ]));
  });

  test('when carrinho gets a host port or the gateway publishes another container port, then both are reported', () => {
    const problems = checkMutated((c) => {
      svc(c, 'carrinho').ports = ['3111:3111'];
      svc(c, 'nginx').ports = ['8080:80'];
    });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^carrinho: publishes a host port/),
      'nginx: publishes container port(s) [80] but the gateway listens on 8080',
    ]));
  });

  test('when a service waits for a healthy dependency without a health check, then the start order is reported', () => {
    const problems = checkMutated((c) => {
      delete svc(c, 'redis').healthcheck;
    });
    expect(problems).toContain('carrinho: waits for redis to be healthy but redis has no health check');
  });

  test('when a service is built from a Dockerfile the builder would refuse, then the linter findings name the service, file and line', () => {
    const broken = path.join(tmp, 'fiscal.Dockerfile');
    const text = fs.readFileSync(path.join(REPO_ROOT, 'services', 'fiscal', 'Dockerfile'), 'utf8');
    const lines = text.replace('HEALTHCHECK --interval=5s', 'HEALTHCHECK --interva=5s').replace(/^COPY --from=deps/m, 'copy --from=deps').split('\n');
    fs.writeFileSync(broken, lines.join('\n'));
    const line = (re: RegExp) => lines.findIndex((l) => re.test(l)) + 1;
    const problems = checkMutated((c) => {
      (svc(c, 'fiscal').build as { dockerfile: string }).dockerfile = broken;
    });
    const rel = path.relative(REPO_ROOT, broken);
    expect(problems).toEqual(expect.arrayContaining([
      `fiscal: ${rel}:${line(/^HEALTHCHECK/)}: error: Unknown flag: interva`,
      `fiscal: ${rel}:${line(/^copy --from=deps/)}: warning: Instructions should be written in uppercase letters`,
    ]));
  });

  test('when a template gains a loopback line the compose rewrite does not know, then rendering refuses it', () => {
    const t = loadTopology({ BRIGADEIRO_NETWORK: 'compose' });
    expect(toNetwork(t, 'bind 127.0.0.1\nport 6390\n', 'redis.conf')).toBe('bind 0.0.0.0\nport 6390\n');
    expect(() => toNetwork(t, 'bind 127.0.0.1\nreplicaof 127.0.0.1 6390\n', 'redis.conf')).toThrow(/line 2 still names 127\.0\.0\.1/);
    expect(() => toNetwork(t, 'upstream 127.0.0.1:4999\n', 'x.conf')).toThrow(/port 4999 belongs to no component/);
  });

  test('when a generated file is edited by hand, then it is reported stale', () => {
    const root = path.join(tmp, 'generated');
    for (const [rel, text] of Object.entries(generatedFiles())) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    expect(staleFiles(root)).toEqual([]);
    const df = path.join(root, 'services', 'fiscal', 'Dockerfile');
    fs.writeFileSync(df, fs.readFileSync(df, 'utf8').replace('USER node', 'USER root'));
    expect(staleFiles(root)).toEqual(['services/fiscal/Dockerfile']);
  });
});
