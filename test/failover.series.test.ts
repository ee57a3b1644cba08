/**
 * scripts/failover.sh's series tools: the median/max of several runs, the Patroni timing set on the running
 * test stack through its REST API (and put back), the false-failover count under saturated cores, and the
 * strict command line (a misspelt option is an error, not ignored).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadTopology, REPO_ROOT } from '@brigadeiro/topology';
import { pgCluster } from '../scripts/stack/patroni';
import type { FailoverResult } from '../scripts/failover/run';
import { applyTiming, checkTiming, countFalseAlarms, parseTiming, readTiming, spread, summarizeRuns } from '../scripts/failover/series';

const t = loadTopology();

describe('failover series (no cluster)', () => {
  it('when figures are missing or the count is even, then the median skips the missing and averages the middle two', () => {
    expect(spread([3000, null, 1000, 2000])).toEqual({ median: 2000, max: 3000, n: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, max: 4, n: 4 });
    expect(spread([null])).toEqual({ median: null, max: null, n: 0 });
  });

  it('when five runs are summarised, then each figure has its median and max and the failed runs are counted', () => {
    const run = (detectionMs: number, failed: number, ok = true) =>
      ({ ok, detectionMs, failoverMs: detectionMs + 300, firstCheckoutMs: detectionMs + 500, downtimeMs: detectionMs + 600, rejoinFromRestartMs: 9000, acknowledgedLost: 0, requests: { failed } }) as unknown as FailoverResult;
    const s = summarizeRuns([run(3000, 0), run(3500, 2), run(3100, 0), run(6000, 1, false), run(3200, 0)]);
    expect(s).toMatchObject({ runs: 5, ok: 4, detectionMs: { median: 3200, max: 6000 }, firstCheckoutMs: { median: 3700, max: 6500 }, failedRequests: { median: 0, max: 2 }, lostWrites: { max: 0 } });
  });

  it('when a Patroni timing is given, then only ttl, loop_wait and retry_timeout in whole seconds pass, within Patroni\'s rule', () => {
    expect(parseTiming('ttl=4, retry_timeout=1')).toEqual({ ttl: 4, retry_timeout: 1 });
    expect(() => parseTiming('ttl=4s')).toThrow(/ttl=<seconds>/);
    expect(() => parseTiming('master_start_timeout=0')).toThrow(/is not one of/);
    expect(checkTiming({ ttl: 3, loop_wait: 1, retry_timeout: 1 })).toBeNull();
    expect(checkTiming({ ttl: 4, loop_wait: 1, retry_timeout: 2 })).toMatch(/loop_wait \+ 2 \* retry_timeout <= ttl/);
  });

  it('when the command line has a misspelt option or --runs without --rejoin, then it fails with the usage before touching the stack', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(REPO_ROOT, 'scripts', 'cli', 'failover.ts'), ...args], { cwd: REPO_ROOT }).catch((e: unknown) => e as { code: number; stderr: string });
    const typo = (await run(['--laod'])) as { code: number; stderr: string };
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/Unknown option '--laod'[\s\S]*usage: scripts\/failover.sh/);
    const runs = (await run(['--runs', '3', '--load'])) as { code: number; stderr: string };
    expect(runs.code).toBe(2);
    expect(runs.stderr).toMatch(/--runs 3 needs --rejoin/);
    const bad = (await run(['--runs', 'três'])) as { code: number; stderr: string };
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--runs must be a whole number/);
  });
});

describe('failover series (test stack)', () => {
  it('when a timing is applied, then Patroni reports it, and putting the old one back restores it', async () => {
    const antes = await readTiming(t);
    try {
      const depois = await applyTiming(t, { ttl: antes.ttl + 1 });
      expect(depois).toEqual({ ...antes, ttl: antes.ttl + 1 });
      await expect(applyTiming(t, { ttl: 2 })).rejects.toThrow(/loop_wait \+ 2 \* retry_timeout <= ttl/);
    } finally {
      await applyTiming(t, antes);
    }
    expect(await readTiming(t)).toEqual(antes);
  }, 30_000);

  it('when the cores are saturated for a few seconds with nothing broken, then the leader polls are counted and the cluster stays whole', async () => {
    const a = await countFalseAlarms(t, () => pgCluster(t), 5, () => undefined);
    expect(a.samples).toBeGreaterThan(3);
    expect(a.burners).toBeGreaterThanOrEqual(1);
    // The stack's own timing (ttl 5 s, retry_timeout 2 s) rode out 2 min of saturation here (README "Break it").
    expect(a.failovers).toBe(0);
    expect(a.leaderlessEpisodes).toBe(0);
    const c = await pgCluster(t);
    expect(c.members.filter((m) => m.role === 'leader' && m.state === 'running')).toHaveLength(1);
  }, 30_000);
});
