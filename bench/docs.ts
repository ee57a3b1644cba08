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
  '**This round (2026-12-07; "before" = the 01:01 UTC run of commit 08b28ad, the code this round started from, on this same machine): the checkout\'s database work, found by counting PostgreSQL.** (1) bench/lib/cpu.ts charged each node only Patroni\'s process tree, but Patroni detaches the postmaster (its parent is PID 1): every backend was missed, and with it the biggest consumer of an order, the primary, 13.7 of ~40 ms per order (shown as 0.1). pg1/pg2 now include the postmaster\'s tree (from postmaster.pid), and the busy time no process accounts for is a line of its own, so the table adds up to what the cores spent. (2) `PrismaDatabase.query` (packages/db) runs named prepared statements (`statementName`: one per statement text), so PostgreSQL parses and plans the checkout\'s data-modifying WITHs once per pooled connection instead of at every call: the primary\'s CPU per order 13.7 -> 6.9 ms (two checkout runs side by side, 01:10 and 01:13 UTC). (3) pedidos commits states in pairs, pagamento_aprovado with em_separacao once the stock is secured and nf_emitida with enviado once shipped (the history is unchanged: the state passed through is written just before the new one, in the same statement): three synchronously replicated commits per order in pedidos instead of five; alternated A/B of the two builds on one stack, 4 pairs of 200 orders at 8 clients: machine CPU per order 50.5 -> 43.1 ms and 37.9 -> 44.2 orders/s (medians, in a slow hour of the host). (4) pedidos reads the cart while it looks up the Idempotency-Key, and empties it beside fiscal and logistica. Together, full runs: peak 59.9 orders/s before -> 64.5 and 52.8 in this commit\'s two runs, which fell in a slow hour of the host (nginx static baseline 25,100 and 31,400 req/s against 46,000 in the before run), and 75.9 and 81.9 in two runs of the same checkout code an hour earlier (reports 01:50 and 01:58 UTC, before the gateway fix below); the best step under P95 150 ms 23.5 -> 36.6 and 39.8 orders/s (47.4 and 70.1 an hour earlier); one order alone, P50, 54.7 -> 50.5 and 37.5 ms; CPU per order across the stack, PostgreSQL included, about 40 ms with only the accounting fixed (01:10 UTC) -> 24-34 ms.',
  '**This round: the gateway\'s micro-cache no longer answers with a copy of any age.** With `proxy_cache_background_update on` the first GET after a quiet spell got the old copy while nginx refreshed it; the bench fetched its catalogue bytes that way and measured its baselines with a list from an earlier run (8.3 KB, products since retired) against catalogo\'s 5.3 KB. The request that finds the copy past its second now waits for catalogo (test/gateway.cache.test.ts), and the bench asks for its bytes with `Cache-Control: no-cache`. Runs of this session before the fix are not comparable on the catalogue targets.',
  'Earlier rounds (2026-11-25, another machine of the same kind; their figures are in git history): the checkout\'s writes as single SQL statements with their `operacoes` row through `PrismaDatabase.query`, each Prisma 7 model call having cost 1-3 ms of CPU here against about 0.3 ms through `pg`; pedidos\' 11 statements per order down to 6 (`continuar` carrying the state it wrote; the 201 and the `retomar` removal riding on the last transition); logistica creating and dispatching in one call; catalogo\'s stock reservation and release as one plpgsql function call each; `maxRedirects: 0` for service calls; catalogo\'s reads as named prepared statements on a plain pg pool with each product\'s JSON kept on its row and the list sent as the database\'s text; the gateway not writing no-cache answers to its micro-cache, a buffered access log and `open_file_cache`; carrinho\'s 2 s product-check cache, nginx upstream keepalive to every service, axios keep-alive agents, `etag` off, request logs at debug for 2xx; target ratios from 8 pairs of adjacent 2 s runs, the order alternating (bench/lib/paired.ts).',
];

/** Measured facts for the owners of other parts (kept by hand, with when and how they were measured). */
const FINDINGS = [
  '**Checkout: peak 64.5 orders/s (32 clients; 52.8 in the rerun; 75.9 and 81.9 in runs of the same checkout code an hour earlier, in a faster hour of the host), 36.6 orders/s at P95 146 ms (4 clients; 39.8 at 137 ms in the rerun), one client 18-26 orders/s at P50 38-51 ms.** The CPU-per-order table, PostgreSQL now counted, says where it goes: 24-34 ms per order across 14 processes (the primary 6-8 ms, pedidos 5-7, estoque 2.7, catalogo and carrinho 2-2.6, fiscal, logistica and pagamentos under 2 each, the replica 2, HAProxy 1.2-1.4, and about 1 ms the kernel spends outside any process), so 2 cores allow 60-80 orders/s, which the ladder reaches. 200/s would need under 10 ms per order, while an order is eight synchronously replicated commits (three in pedidos, one in each of pagamentos, estoque, catalogo, fiscal, logistica) and nine requests handled by Node services plus three by nginx, every message crossing a process boundary through the kernel (a loopback round trip costs about 50 us of CPU on each side on this VM, measured with a ping-pong): fewer processes or more cores, not tuning. What is left inside this design, from a V8 profile of pedidos under 8 checkout clients: AsyncLocalStorage (Node 20 implements it with async_hooks) about 12% of its CPU, axios about 6%; and HAProxy in every SQL round trip, which stays: it is what moves writes to the new primary.',
  '**This machine\'s own speed moves by up to 1.8x within an hour**: the nginx static baseline measured 25,100 to 46,000 req/s in full runs of this session two hours apart, and a fixed CPU loop (2e8 additions in Node) took 253 to 438 ms; the host\'s steal time grew meanwhile. Absolute figures from different runs do not compare; ratios to baselines of the same run, and A/B runs alternated on one stack, do (the checkout targets are absolute orders/s, so they move with the host).',
  '**One product, one row lock**: orders over a single product queue on that product\'s row in catalogo\'s reservation; the scenarios spread orders over many products, as a shop\'s orders are; a flash sale on one product still serialises there (test/e2e.checkout.gateway.test.ts runs exactly that race: 100 checkouts on stock 20).',
  '**Catalogue list uncached: missed, 38.0% and 37.7% of the Express baseline in this commit\'s two runs (pairs 33-49.7% and 29.4-40.8%), 51.1% in the session\'s first run (pairs 48.2-58.4%) in a faster hour.** Nothing on this path changed this round (catalogo\'s reads, HAProxy, the replica). catalogo\'s own CPU per list request, measured straight at it with 8 clients: 0.48 ms at 01:00 UTC, 0.69-0.76 ms at 02:33 when a fixed CPU loop took 1.6x as long; the path crosses four processes (nginx, catalogo, HAProxy, the replica\'s backend) where the Express baseline crosses two, so a slow, contended host likely lowers its ratio more than the baseline\'s. A copy of the list in catalogo would meet the goal but would break `Cache-Control: no-cache`, whose point is to read the replica now. Going around HAProxy straight to the replica gave 20-70% more requests per second in two quick runs in an earlier round, but HAProxy is what moves reads to the primary when the replica dies (test/failover.cluster.test.ts), so it stays. Micro-cache: 86.8% and 83.5% of nginx static, met in both.',
  '**Cart: 3 instances give no more than 1 (93.3% and 97.4%; goal 150%), and the \'CPU per cart add\' table says why**: with one instance an add costs 0.48-0.57 ms of carrinho CPU and 0.33-0.44 ms elsewhere (autocannon, nginx, Redis), so 2 cores allow at most about 1.2x one instance, and with three instances the same adds cost carrinho 0.71-0.81 ms each (three processes sharing two cores). The seed\'s gain needs a core per instance: on 2 cores no code meets this target. Cart add through the gateway vs Express: 62.9% in both runs, met.',
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
