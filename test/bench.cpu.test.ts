/**
 * bench/lib/cpu.ts on the running test stack: what a unit of work costs each component. PostgreSQL's
 * postmaster is detached by Patroni (its parent is PID 1), so a node's process tree from Patroni's PID file
 * alone misses every backend; these tests make PostgreSQL itself burn CPU and check it is charged to the node.
 */
import { Client } from 'pg';
import { loadTopology, superuserUrl } from '@brigadeiro/topology';
import { cpuBetween, cpuSnapshot, UNATTRIBUTED } from '../bench/lib/cpu';
import { pgRoles } from '../scripts/stack/control';

const t = loadTopology();

/** A query that keeps one backend of the leader busy (about a few hundred ms of CPU on this machine). */
async function burnOnLeader(): Promise<void> {
  const c = new Client({ connectionString: superuserUrl(t, t.ports.pgRw), connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.query('SELECT count(*) FROM generate_series(1, 5000000) AS g WHERE g % 7 = 3');
  } finally {
    await c.end();
  }
}

describe('bench CPU accounting', () => {
  it('when a backend of the PostgreSQL leader burns CPU, then that CPU is charged to the leader node (its detached postmaster tree), not left out', async () => {
    const { leader } = await pgRoles(t);
    const before = cpuSnapshot(t);
    await burnOnLeader();
    const use = cpuBetween(before, cpuSnapshot(t), 1);
    const node = use.shares.find((x) => x.component === leader);
    // Patroni alone (what a tree from its PID file holds) uses a few ms a second; the query uses far more.
    expect(node?.ms ?? 0).toBeGreaterThanOrEqual(200);
  }, 60_000);

  it('when CPU is shared out, then the components, the load generator and the unattributed rest add up to the machine busy time per unit', () => {
    const before = cpuSnapshot(t);
    const end = Date.now() + 300;
    while (Date.now() < end) Math.sqrt(Math.random()); // the load generator's own CPU
    const use = cpuBetween(before, cpuSnapshot(t), 10);
    const names = use.shares.map((x) => x.component);
    expect(names).toContain('load generator (bench)');
    expect(names.at(-1)).toBe(UNATTRIBUTED);
    expect(use.shares.find((x) => x.component === 'load generator (bench)')!.perUnitMs).toBeGreaterThan(10);
    const sum = use.shares.reduce((s, x) => s + x.perUnitMs, 0);
    expect(use.totalPerUnitMs).toBeCloseTo(sum, 6);
    for (const x of use.shares) expect(x.ms).toBeGreaterThanOrEqual(0);
  });
});
