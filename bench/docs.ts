/**
 * Writes docs/BENCHMARKS.md (and copies the charts to docs/bench/) from a real run's results.json, with the
 * targets of an earlier run beside it when one is given (before/after a change, each as ratios to the
 * baselines of its own run):
 *
 *   tsx bench/docs.ts <report dir> [--before <report dir>] [--rerun <report dir>]
 *
 * --rerun: a second run of the same code, to show the committed figures hold: each target's rerun ratio is
 * put beside the committed one and said to be within noise when either run's ratio falls inside the other's
 * range of per-pair ratios (sameWithinNoise, bench/lib/paired.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';
import { tableMarkdown, type RunSummary } from './lib/report';
import { sameWithinNoise } from './lib/paired';
import { round } from './lib/stats';
import type { Target } from './scenarios/types';

/** What changed between the "before" and "after" runs (kept by hand: it is the why of the numbers). */
const CHANGES = [
  '**This round (before = the 16:56 run, the last report committed): fewer round trips per order.** pedidos runs 6 SQL statements per order instead of 11: `continuar` carries the state each transition wrote instead of reading the order back three times, and the request\'s stored 201 and the removal of its `retomar` task ride on the last transition. logistica creates and dispatches a shipment in one call (`POST /internal/v1/envios` with `despachar: true`, idempotent by pedido_id like the plain create) instead of two. catalogo\'s stock reservation and its release are each one call of a plpgsql function (migration 004) on the pg pool under its Prisma client instead of an interactive Prisma transaction of five or six statements; a shortfall raises its own SQLSTATE so the statement rolls back whole. CPU per order across the stack, table "CPU per order": about 43 ms before, 39 and 37 ms in the two runs of this commit (catalogo 6.9 -> 3.9/3.7 ms, logistica 4.3 -> 3.1/2.6, pedidos 12.4 -> 11.8/11.9); peak orders/s 27.5 -> 36.4 and 31.6. Measured by the changes\' authors in-process, each old and new build alternated on one stack: catalogo per reservation 5.9 -> 2.5 ms, per release 4.7 -> 2.0 ms; pedidos per order 20 -> 17 ms and logistica 6.3 -> 3.6 ms (on a busy machine, so higher than the bench\'s figures).',
  '**This round: how target ratios are measured** (bench/lib/paired.ts). A ratio used to be the median of three 5 s runs per side, and the two noisiest moved by 30-40 points between runs an hour apart. Now each comes from 8 pairs of adjacent 2 s runs (subject next to its baseline, the order alternating A B / B A, after one discarded warm-up of each) and is the median of the per-pair ratios, printed with the lowest and highest pair. The table above compares two full runs of the same commit that way.',
  'Earlier (already in the "before" run), from the first round of making it fast: the checkout\'s writes as single SQL statements with their `operacoes` row through `PrismaDatabase.query` (packages/db) in pedidos, pagamentos, estoque, fiscal and logistica, each Prisma 7 model call having cost 1-3 ms of CPU here against about 0.3 ms through `pg`; `maxRedirects: 0` for service calls (no follow-redirects wrapper); catalogo\'s reads as named prepared statements on a plain pg pool, each product row keeping its JSON (`produtos.json`, migration 003) and the list sent as the database\'s text; the gateway not writing no-cache answers to its micro-cache, a buffered access log and `open_file_cache` (the bench nginx has the same settings); CPU per unit of work in the bench (bench/lib/cpu.ts); carrinho\'s 2 s product-check cache, nginx upstream keepalive to every service, axios keep-alive agents, `etag` off, request logs at debug for 2xx.',
];

/** Measured facts for the owners of other parts (kept by hand, with when and how they were measured). */
const FINDINGS = [
  '**Checkout: peak 36.4 orders/s (16 clients; 31.6 in the rerun), 18.7 orders/s at P95 131 ms (2 clients; 19.9 at P95 120 ms in the rerun), one client 11.8 orders/s at P50 79 ms.** The CPU-per-order table says where the CPU goes: 37-39 ms per order across the stack (pedidos 11.8, estoque 5.4, catalogo 3.9, carrinho 3.5, fiscal, logistica and pagamentos about 3 each, HAProxy 2 ms), so 2 cores allow at most about 50 orders/s, and the ladder flattens there (32 clients only queue: P95 1.35 s). 200/s would need under 10 ms of CPU per order for seven processes and six synchronous hops, i.e. a different architecture (fewer hops, asynchronous fiscal and logistica steps) or more cores, not tuning. A V8 profile of pedidos under 8 checkout clients: about a third of its busy time is inside the loopback socket writes themselves (one per SQL statement and per HTTP call; on this VM the sender pays for the receiver\'s TCP processing), axios about 10%, the rest Express, pg, zod and AsyncLocalStorage; fewer hops and statements is what is left to win.',
  '**One product, one row lock**: orders over a single product queue on that product\'s row in catalogo\'s reservation; the scenarios spread orders over many products, as a shop\'s orders are; a flash sale on one product still serialises there (test/e2e.checkout.gateway.test.ts runs exactly that race: 100 checkouts on stock 20).',
  '**Catalogue list uncached: at the goal, not reliably above it: 50.1% of the Express baseline in one run (pairs 29.8-64.5%), 44.3% in the rerun (pairs 37.5-56.6%).** catalogo\'s one Node process is the ceiling at a full core: about 0.6 ms of CPU per request against 0.32 ms for the Express baseline; a V8 profile puts a quarter of catalogo\'s time in the socket write of each query to HAProxy and the rest in Express, pg and the required middleware (request id with AsyncLocalStorage, metrics, logging). Going around HAProxy straight to the replica gave 20-70% more requests per second in two quick ab runs straight at catalogo (noisy), but HAProxy is what moves reads to the primary when the replica dies (test/failover.cluster.test.ts), so it stays. Micro-cache: 88.4% and 90.2% of nginx static, met in both.',
  '**Cart: 3 instances give no more than 1 (95.3% and 101.5%; goal 150%), and the \'CPU per cart add\' table says why**: with one instance an add costs about 0.75 ms of carrinho CPU and 0.4 ms elsewhere (autocannon, nginx, Redis), the cores are already 81% busy, and with three instances the same adds cost carrinho 0.88-1.14 ms each (three processes sharing two cores switch and lose their caches), so 2 cores allow about 1.3x at best and measure about 1x; the seed\'s gain needs a core per instance. Cart add through the gateway vs Express: 57.3% and 56.9%, met in both runs.',
];

/** "6149013, 2026-11-25 18:21 UTC, load 1.63 / 2.57 / 2.53": which run, when, how busy the machine was. */
function runLabel(r: RunSummary): string {
  return `${r.machine.gitCommit}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${r.loadAverageAtStart?.join(' / ') ?? r.machine.loadAverage.join(' / ')}`;
}

function targetsTable(after: Target[], before: Target[] | undefined, rerun: Target[] | undefined): string {
  const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${round(x * 100, 1)}%`);
  const rows = after.map((t) => {
    const b = before?.find((x) => x.name === t.name);
    const r = rerun?.find((x) => x.name === t.name);
    const met = t.ratio >= t.goal;
    const pairs = (x: Target | undefined) => (x?.spread ? ` (pairs ${pct(x.spread.min)}-${pct(x.spread.max)})` : '');
    const noise = r ? sameWithinNoise(t, r) : undefined;
    const rerunCell = rerun ? ` ${pct(r?.ratio)}${pairs(r)}${noise === undefined ? '' : noise ? ', within noise' : ', OUTSIDE the noise'} |` : '';
    const verdict = (x: Target) => (x.ratio >= x.goal ? 'met' : `missed by ${round((x.goal - x.ratio) * 100, 1)} points`);
    const both = r && Number.isFinite(r.ratio) && r.ratio >= r.goal !== met ? `${verdict(t)}; rerun ${verdict(r)}: at the goal, not reliably met` : verdict(t);
    return `| ${t.name} | ${pct(t.goal)} | ${before ? `${pct(b?.ratio)} |` : ''} ${pct(t.ratio)}${pairs(t)} |${rerunCell} ${both} |`;
  });
  return [
    `| Target | Goal | ${before ? 'Before | ' : ''}After | ${rerun ? 'Rerun | ' : ''} |`,
    `|---|---|${before ? '---|' : ''}---|${rerun ? '---|' : ''}---|`,
    ...rows,
  ].join('\n');
}

function main(argv: string[]): void {
  const dir = argv[0];
  if (!dir) throw new Error('usage: tsx bench/docs.ts <report dir> [--before <report dir>] [--rerun <report dir>]');
  const b = argv.indexOf('--before');
  const again = argv.indexOf('--rerun');
  const read = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'results.json'), 'utf8')) as RunSummary;
  const s = read(dir);
  const before = b >= 0 && argv[b + 1] ? read(argv[b + 1] as string) : undefined;
  const rerun = again >= 0 && argv[again + 1] ? read(argv[again + 1] as string) : undefined;
  const docs = path.join(REPO_ROOT, 'docs');
  const charts = path.join(docs, 'bench');
  fs.mkdirSync(charts, { recursive: true });
  const m = s.machine;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    `From a real run of \`npm run bench -- all\` on ${s.startedAt.slice(0, 16).replace('T', ' ')} UTC (commit ${m.gitCommit}); the full report of a run is \`reports/<timestamp>/REPORT.md\` with \`results.json\`. ` +
      `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. ` +
      `${(s.loadAverageAtStart?.[0] ?? Infinity) <= 2 ? '**Quiet at the start**' : '**Not idle at the start** (1-minute load above 2: other work, or a stack just started), so absolute figures may be low'}; load average ${s.loadAverageAtStart ? `${s.loadAverageAtStart.join(' / ')} at the start and ` : ''}${m.loadAverage.join(' / ')} (1/5/15 min) at the end (the bench itself loads both cores). The ratios to baselines measured in the same run are what to compare. Regenerate this page after a run with \`node_modules/.bin/tsx bench/docs.ts reports/<timestamp>\`.`,
    '',
  );
  out.push(`Stack: ${s.carrinhoRunning.length} carrinho instances, gateway rate limit ${s.gatewayRateLimitRps > 0 ? `${s.gatewayRateLimitRps} r/s` : 'off (BRIGADEIRO_RATE_LIMIT_RPS=0)'}, catalogue list ${s.catalogueBytes} bytes.`, '');
  const targets = s.results.flatMap((r) => r.targets);
  out.push('## Targets', '', targetsTable(targets, before?.results.flatMap((r) => r.targets), rerun?.results.flatMap((r) => r.targets)), '');
  if (rerun)
    out.push(
      `"Rerun" is a second full run of the same commit (${runLabel(rerun)}): "within noise" when the two runs cannot be told apart by the spread of their own pairs, i.e. either run's ratio falls inside the other's range of per-pair ratios (each ratio is the median of ${targets.find((x) => x.spread)?.spread?.pairs ?? '?'} pairs of adjacent runs, the order alternating; the range is how far single pairs spread on this machine). The checkout targets have no pairs (one ladder per run): compare their figures directly.`,
      '',
    );
  if (before) out.push(`"Before" is a full run on commit ${runLabel(before)}, each ratio against the baselines of its own run.`, '');
  for (const t of targets.filter((x) => x.ratio < x.goal)) out.push(`- **${t.name}** missed: ${t.detail}. ${t.why ?? ''}`);
  out.push('', '## What moved the numbers', '', ...CHANGES.map((c) => `- ${c}`), '');
  out.push('## Findings', '', ...FINDINGS.map((c) => `- ${c}`), '');
  for (const r of s.results) {
    out.push(`## ${r.title}`, '');
    for (const t of r.tables) out.push(`**${t.title}${t.seed ? ` (seed ${t.seed})` : ''}**`, '', tableMarkdown(t), '');
    for (const c of r.charts) {
      const file = path.basename(c.file);
      if (fs.existsSync(path.join(dir, file))) {
        fs.copyFileSync(path.join(dir, file), path.join(charts, file));
        out.push(`![${c.caption}](bench/${file})`, '');
      }
    }
    if (r.notes.length) out.push(...r.notes.map((n) => `- ${n}`), '');
  }
  if (s.failures.length) out.push('## Scenarios that failed in this run', '', ...s.failures.map((f) => `- ${f.scenario}: ${f.error.split('\n')[0]}`), '');
  out.push('## Exact commands', '', '```', ...s.commands, '```', '');
  fs.writeFileSync(path.join(docs, 'BENCHMARKS.md'), out.join('\n'));
  process.stdout.write(path.join(docs, 'BENCHMARKS.md') + '\n');
}

main(process.argv.slice(2));
