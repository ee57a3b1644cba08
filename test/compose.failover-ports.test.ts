/**
 * docker-compose.failover.yml (scripts/failover.sh --compose) laid over docker-compose.yml: `docker-compose config`
 * resolves the pair, the override publishes on 127.0.0.1 exactly the ports the failover measurements reach
 * (MEASURED_PORTS) at the native topology's numbers, and each kind of one-sided change is caught. No Docker engine
 * is needed (Debian's docker-compose 1.29 resolves files on its own).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, loadTopology } from '@brigadeiro/topology';
import { checkFailoverOverride, ensureDockerCompose, parseYaml, publishedPort, resolveCompose } from '../infra/compose/check';
import { FAILOVER_OVERRIDE, generatedFiles, staleFiles } from '../infra/compose/model';
import { MEASURED_PORTS } from '@brigadeiro/topology';

jest.setTimeout(120_000);

type Override = { services: Record<string, Record<string, unknown> & { ports?: string[] }> };

let tmp: string;

beforeAll(() => {
  ensureDockerCompose();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-failover-ports-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function readOverride(): Override {
  return parseYaml<Override>(fs.readFileSync(path.join(REPO_ROOT, FAILOVER_OVERRIDE), 'utf8'));
}

/** Checks a changed copy of the committed override (JSON is YAML) over the committed docker-compose.yml. */
function checkChangedOverride(change: (o: Override) => void, topologyEnv?: Record<string, string>): string[] {
  const o = readOverride();
  change(o);
  const file = path.join(tmp, `override.${Math.random().toString(36).slice(2)}.yml`);
  fs.writeFileSync(file, JSON.stringify(o, null, 2));
  return checkFailoverOverride({ overrideFiles: [file], topologyEnv });
}

describe('docker-compose.failover.yml as committed', () => {
  test('when docker-compose config resolves it over docker-compose.yml, then the checks find nothing to report', () => {
    expect(checkFailoverOverride()).toEqual([]);
  });

  test('when both files are resolved, then each measured port is published on 127.0.0.1 at the native port, and nothing else is published', () => {
    const native = loadTopology({});
    const merged = resolveCompose({ overrideFiles: [path.join(REPO_ROOT, FAILOVER_OVERRIDE)] });
    const published = Object.fromEntries(Object.entries(merged.services).map(([name, s]) => [name, (s.ports ?? []).map(publishedPort).sort()]));
    const expected: Record<string, string[]> = {};
    for (const [host, names] of Object.entries(MEASURED_PORTS)) {
      // The gateway too: it is published on BRIGADEIRO_PUBLISH_HOST, loopback unless you open it.
      expected[host] = names.map((n) => `127.0.0.1:${native.ports[n]}->${native.ports[n]}`).sort();
    }
    expect(Object.fromEntries(Object.entries(published).filter(([, p]) => p.length > 0))).toEqual(expected);
    // The numbers themselves, so a change to MEASURED_PORTS and the file together still shows here.
    expect(published.pg1).toEqual([`127.0.0.1:${native.ports.pg1}->${native.ports.pg1}`, `127.0.0.1:${native.ports.patroni1}->${native.ports.patroni1}`].sort());
    expect(published.haproxy).toEqual([`127.0.0.1:${native.ports.pgRw}->${native.ports.pgRw}`]);
  });

  test('when docker-compose.yml is resolved alone, then only the gateway is published (the override is opt-in)', () => {
    const base = resolveCompose();
    const publishing = Object.entries(base.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(publishing).toEqual(['nginx']);
  });

  test('when the override is edited by hand, then the staleness check reports it', () => {
    const root = path.join(tmp, 'generated');
    for (const [rel, text] of Object.entries(generatedFiles())) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    expect(staleFiles(root)).toEqual([]);
    const file = path.join(root, FAILOVER_OVERRIDE);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"127.0.0.1:8019:8019"', '"127.0.0.1:8029:8019"'));
    expect(staleFiles(root)).toEqual([FAILOVER_OVERRIDE]);
  });
});

describe('a change on one side only is caught', () => {
  test('when a published port is changed in the override only, then the check names the service and the ports it needs', () => {
    const problems = checkChangedOverride((o) => {
      o.services.pg2!.ports = ['127.0.0.1:5443:5443', '127.0.0.1:8029:8019'];
    });
    expect(problems).toEqual([
      `pg2: ${FAILOVER_OVERRIDE} publishes [127.0.0.1:5443->5443, 127.0.0.1:8029->8019] but the failover measurements need [127.0.0.1:5443->5443, 127.0.0.1:8019->8019] (the topology's ports, on 127.0.0.1 only)`,
    ]);
  });

  test('when a port is moved in the topology only, then the committed override is reported as disagreeing', () => {
    const problems = checkChangedOverride(() => undefined, { BRIGADEIRO_PORT_PATRONI1: '9018' });
    expect(problems).toEqual([
      `pg1: ${FAILOVER_OVERRIDE} publishes [127.0.0.1:5442->5442, 127.0.0.1:8018->8018] but the failover measurements need [127.0.0.1:5442->5442, 127.0.0.1:9018->9018] (the topology's ports, on 127.0.0.1 only)`,
    ]);
  });

  test('when a port is published on every interface instead of 127.0.0.1, then it is reported', () => {
    const problems = checkChangedOverride((o) => {
      o.services.haproxy!.ports = ['5440:5440'];
    });
    expect(problems).toEqual([expect.stringMatching(/^haproxy: docker-compose\.failover\.yml publishes \[0\.0\.0\.0:5440->5440\] but the failover measurements need \[127\.0\.0\.1:5440->5440\]/)]);
  });

  test('when a measured port is dropped from the override, then the service is reported', () => {
    const problems = checkChangedOverride((o) => {
      delete o.services.haproxy;
    });
    expect(problems).toEqual([expect.stringMatching(/^haproxy: docker-compose\.failover\.yml publishes \[\] but the failover measurements need \[127\.0\.0\.1:5440->5440\]/)]);
  });

  test('when the override publishes a port nothing measures, or changes more than ports, then both are reported', () => {
    const problems = checkChangedOverride((o) => {
      o.services.etcd1 = { ports: ['127.0.0.1:2479:2479'] };
      o.services.pg1!.stop_grace_period = '1s';
    });
    expect(problems).toEqual(expect.arrayContaining([
      `etcd1: ${FAILOVER_OVERRIDE} publishes [127.0.0.1:2479->2479] but the failover measurements reach nothing on etcd1`,
      `pg1: ${FAILOVER_OVERRIDE} changes more than its published ports`,
    ]));
    expect(problems).toHaveLength(2);
  });
});
