/**
 * Fault tolerance (seed 000 §5.4): scripts/failover.sh --load --rejoin under the bench. The failover tool
 * (another part of the project: scripts/failover/) SIGKILLs the PostgreSQL primary's node while ab reads the
 * catalogue and clients check out, measures detection, failover, first checkout, lost requests and lost
 * acknowledged writes, then brings the old node back as a replica; the bench reads its JSON and draws the
 * timeline (answers and failures per second around the kill).
 *
 * It kills the primary of the stack it runs against, so with --quick (the smoke test, which shares the test
 * stack with other tests) it only runs when BRIGADEIRO_BENCH_FAILOVER=1; otherwise it reports why it did not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';
import { say } from '../lib/log';
import { startTracked, exited } from '../lib/processes';
import { round } from '../lib/stats';
import type { FailoverResult } from '../../scripts/failover/run';
import type { BenchContext, Scenario, ScenarioResult } from './types';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'failover.sh');

/** What the bench reads of scripts/failover.sh's JSON report: the tool's own result type (one contract). */
type FailoverJson = Pick<
  FailoverResult,
  'ok' | 'problems' | 'oldLeader' | 'newLeader' | 'detectionMs' | 'failoverMs' | 'firstCheckoutMs' | 'rejoinMs' | 'downtimeMs' | 'requests' | 'acknowledgedOrders' | 'acknowledgedLost' | 'timeline'
>;

/** 100 ms buckets -> per-second counts (relative to the kill). */
export function perSecond(timeline: FailoverJson['timeline']): { second: number; ok: number; falhas: number }[] {
  const m = new Map<number, { ok: number; falhas: number }>();
  for (const b of timeline) {
    const s = Math.floor(b.t / 1000);
    const e = m.get(s) ?? { ok: 0, falhas: 0 };
    e.ok += b.leitura_ok + b.checkout_ok;
    e.falhas += b.leitura_falha + b.checkout_falha;
    m.set(s, e);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([second, v]) => ({ second, ...v }));
}

function notRun(reason: string): ScenarioResult {
  say(`fault tolerance: ${reason}`);
  return { name: 'faulttolerance', title: 'Fault tolerance: failover of the PostgreSQL primary under load', tables: [], charts: [], targets: [], notes: [`NOT RUN: ${reason}`], raw: { ran: false, reason } };
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  if (!fs.existsSync(SCRIPT)) return notRun('scripts/failover.sh is not available yet');
  if (ctx.quick && process.env.BRIGADEIRO_BENCH_FAILOVER !== '1') {
    return notRun('skipped with --quick: it kills the PostgreSQL primary of the stack, which other tests may be using (BRIGADEIRO_BENCH_FAILOVER=1 runs it anyway)');
  }
  const json = path.join(ctx.workDir, 'failover.json');
  const args = [SCRIPT, '--load', '--rejoin', '--json', json];
  ctx.commands.push(`bash scripts/failover.sh --load --rejoin --json <report dir>/failover.json`);
  say(`fault tolerance: ${args.join(' ')} (bounded to ${ctx.sizes.failoverSeconds} s)`);
  const child = startTracked('bash', args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n').filter(Boolean)) say(`  ${line}`);
  });
  const timer = setTimeout(() => {
    say(`fault tolerance: killing the failover run after ${ctx.sizes.failoverSeconds} s (time bound)`);
    child.kill('SIGTERM');
  }, ctx.sizes.failoverSeconds * 1000);
  await exited(child);
  clearTimeout(timer);
  if (!fs.existsSync(json)) throw new Error(`scripts/failover.sh wrote no JSON (exit ${child.exitCode ?? child.signalCode}):\n${stdout.slice(-1500)}`);
  const r = JSON.parse(fs.readFileSync(json, 'utf8')) as FailoverJson;
  fs.mkdirSync(ctx.outDir, { recursive: true });
  fs.copyFileSync(json, path.join(ctx.outDir, 'failover.json'));
  const ms = (x: number | null) => (x === null ? NaN : round(x, 0));
  const series = perSecond(r.timeline);
  const notes = [
    `Killed: ${r.oldLeader} (whole node, SIGKILL); new leader: ${r.newLeader ?? 'none'}. ${r.ok ? 'Recovered, no acknowledged write lost.' : `FAILED: ${r.problems.join('; ')}`}`,
    `Load meanwhile: ab on GET /api/v1/produtos (${r.requests.ab ? `${r.requests.ab.complete} requests, ${round(r.requests.ab.requestsPerSecond, 0)} req/s, ${r.requests.ab.failed} failed, ${r.requests.ab.non2xx} non-2xx` : 'no ab summary'}), a read prober and checkout clients that retry with the same Idempotency-Key after Retry-After.`,
    `The full text table and the 100 ms timeline are in failover.json next to this report (scripts/failover.sh's own output).`,
  ];
  return {
    name: 'faulttolerance',
    title: 'Fault tolerance: failover of the PostgreSQL primary under load',
    tables: [
      {
        title: 'Teste de Tolerância a Falhas: scripts/failover.sh --load --rejoin',
        seed: '000 §5.4',
        columns: ['Métrica', 'Valor'],
        rows: [
          ['Tempo de detecção (ms)', ms(r.detectionMs)],
          ['Tempo de failover (ms)', ms(r.failoverMs)],
          ['Requisições perdidas', r.requests.failed],
          ['Requisições no total', r.requests.total],
          ['Downtime total (ms)', ms(r.downtimeMs)],
          ['Primeiro checkout após a queda (ms)', ms(r.firstCheckoutMs)],
          ['Tentativas de checkout com falha', r.requests.checkoutAttempts.failed],
          ['Checkouts abandonados', r.requests.checkoutsGaveUp],
          ['Pedidos confirmados', r.acknowledgedOrders],
          ['Escritas confirmadas perdidas', r.acknowledgedLost],
          ['Religamento do nó antigo (ms)', ms(r.rejoinMs)],
        ],
      },
    ],
    charts: [
      {
        file: path.join(ctx.outDir, 'failover-timeline.svg'),
        caption: 'Failover timeline: answered and failed requests per second (reads and checkouts), 0 = the kill',
        title: 'Failover: requests per second around the kill',
        x: { field: 'second', title: 'seconds from the kill' },
        y: { field: 'n', title: 'requests per second' },
        series: 'series',
        rows: series.flatMap((b) => [
          { series: 'ok', second: b.second, n: b.ok },
          { series: 'failed', second: b.second, n: b.falhas },
        ]),
      },
    ],
    targets: [],
    notes,
    raw: { ran: true, exit: child.exitCode, failover: { ...r, timeline: undefined }, perSecond: series },
  };
}

export const faulttolerance: Scenario = {
  name: 'faulttolerance',
  title: 'Fault tolerance',
  summary: 'seed 000 §5.4: scripts/failover.sh --load --rejoin (kills the PostgreSQL primary), with its timeline',
  run,
};
