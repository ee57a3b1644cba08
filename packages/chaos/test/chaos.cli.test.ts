/**
 * scripts/cli/chaos.ts as a person runs it: a bad word exits 2 with the usage; `status` reads the real
 * pagamentos of the stack (read-only, so tests running alongside are not disturbed).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';

function chaos(...args: string[]) {
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'scripts', 'cli', 'chaos.ts'), ...args], {
    encoding: 'utf8',
    env: process.env,
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run chaos', () => {
  it('when a word is unknown, then it exits 2 naming it and prints the usage', () => {
    const r = chaos('pagamentos', 'explode');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown fault "explode"/);
    expect(r.err).toMatch(/usage: npm run chaos/);
  });

  it('when status is asked of pagamentos, then it prints its current faults as a line and as JSON', () => {
    const r = chaos('pagamentos', 'status');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^pagamentos: /);
    const json = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(json).toEqual(expect.objectContaining({ latencia_ms: expect.any(Number), taxa_erro: expect.any(Number), travar: expect.any(Boolean) }));
  });
});
