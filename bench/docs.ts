/**
 * Writes docs/BENCHMARKS.md (and copies the charts to docs/bench/) from a real run's results.json, with the
 * targets of an earlier run beside it when one is given (before/after a change, each as ratios to the
 * baselines of its own run):
 *
 *   tsx bench/docs.ts <report dir> [--before <report dir>] [--rerun <report dir>]
 *
 * --rerun: a second run of the same code, to show the committed figures hold: each target's rerun ratio is
 * put beside the committed one and said to be within noise when it falls inside the committed run's range of
 * per-pair ratios (bench/lib/paired.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';
import { tableMarkdown, type RunSummary } from './lib/report';
import { withinRange } from './lib/paired';
import { round } from './lib/stats';
import type { Target } from './scenarios/types';

/** What changed between the "before" and "after" runs (kept by hand: it is the why of the numbers). */
const CHANGES = [
  '**The checkout\'s writes are single SQL statements** (pedidos, pagamentos, estoque, fiscal, logistica; `PrismaDatabase.query` in packages/db runs them on the pg pool under the Prisma client with the same failover retry and 503 policy). Profiling showed the chain CPU-bound and each Prisma 7 model call costing about 1-3 ms of CPU here against about 0.3 ms for the same statement through `pg` (its query compiler runs in WASM on the event loop). Each status change of an order, each authorisation, separation, nota and shipment is now one data-modifying `WITH` that also writes its `operacoes` log row: one round trip and one commit where there were a Prisma transaction of four to six statements and a second commit for the log. CPU per request, in-process, same run, medians (the commits say how): pedidos per order 75 -> about 35 ms; pagamentos authorisation 21.3 -> 5.3 ms; fiscal nota 16.2 -> 6.2 ms; estoque separation 11.5 -> 5.2 ms; logistica create + dispatch 13.7 -> 4.7 ms. The rules stay: idempotent by pedido_id (a repeat or a retry after a lost commit answer returns the stored row), guarded status changes, and pagamentos\' void-before-authorisation race (now a small plpgsql function, migration 003, so the check runs after the lock with a fresh snapshot; a test holds a void open to prove it).',
  '**Downstream calls skip follow-redirects** (`maxRedirects: 0` in packages/http-client): axios then calls Node\'s http directly; about a quarter less CPU per call in a microbenchmark. Services never redirect each other.',
  '**catalogo\'s reads skip Prisma and send the database\'s JSON as is**: each read is one named prepared statement on a plain pg pool on the read-only endpoint; each product row keeps its own JSON text (`produtos.json`, written by a trigger, migration 003), and the list is those texts joined, sent without parsing or re-serialising.',
  '**Gateway micro-cache hits cost less**: the access log is buffered (64 KiB, flushed every second) and cache hits reuse open file descriptors (`open_file_cache`); a `Cache-Control: no-cache` request is answered by catalogo and no longer written to the cache (each bypass cost a temp file, a write and a rename). The bench nginx of the baselines got the same log and file-cache settings, so the static baseline is measured under the same rules.',
  '**bench: CPU per unit of work** (bench/lib/cpu.ts): the checkout and cart scenarios charge every process\'s CPU (from /proc, process trees from the stack\'s PID files) to the orders or adds of the run, and the checkout runs a ladder of 1 to 32 clients, so a miss says which process spends the CPU and what ceiling that implies.',
  'Earlier (the "before" run already had them): carrinho\'s 2 s product-check cache, pagamentos\' `PUT /admin/perfil`, nginx upstream keepalive to every service, axios keep-alive agents, `etag` off, request logs at debug for 2xx.',
];

/** Measured facts for the owners of other parts (kept by hand, with when and how they were measured). */
const FINDINGS = [
  '**Checkout: peak 27.5 orders/s (8 clients), 18.4 orders/s at P95 142 ms (2 clients), one client 10 orders/s at P50 96 ms, in the quiet run below**; the before run: 8.6 orders/s with 32 clients at P95 6.4 s, flat at about 13/s whatever the clients. The \'CPU per order\' table says where the CPU goes now: about 43 ms per order across the stack (pedidos 12.4, catalogo 6.9, estoque 5.2, logistica 4.3, fiscal 3.1, pagamentos 2.9, carrinho 3.1, HAProxy 2.4 ms), so 2 cores allow at most about 45 orders/s; 200/s would need under 10 ms for seven processes and six synchronous hops, i.e. a different architecture (fewer hops, asynchronous steps) or more cores, not tuning. What is left per hop is mostly Express, http, zod and AsyncLocalStorage (Node 20\'s promise hooks) rather than the services\' own code. Next, in order of expected gain: one call to logistica per order instead of create + dispatch, pedidos passing the order it already holds instead of reading it back three times in `continuar`, catalogo\'s reservation as one statement.',
  '**One product, one row lock**: orders over a single product queue on that product\'s row in catalogo\'s reservation transaction; the scenarios spread orders over many products, as a shop\'s orders are; a flash sale on one product still serialises there (test/e2e.checkout.gateway.test.ts runs exactly that race: 100 checkouts on stock 20).',
  '**Catalogue list uncached: 44.1% of the Express baseline (44.4% in a busier run the same hour; 18.4% before)**, micro-cache 97.7% of nginx static (54% in the busier run, 78.8% before: single runs of the cached ratio swing widely). CPU per uncached request through the gateway, measured with ab by the change\'s author: catalogo 1.1 -> 0.6 ms, replica 1.1 -> 0.25 ms, nginx 0.36 -> 0.11 ms. catalogo\'s one Node process is now the ceiling at a full core: 0.59 ms per request against 0.32 ms for the Express baseline, 0.30 ms for node:http plus the same pg statement; the rest is the database round trip and the required middleware (request id, metrics, logging: about 15%, mostly AsyncLocalStorage).',
  '**Cart: 3 instances vs 1 at 114% (goal 150%), and the \'CPU per cart add\' table says why**: with one instance an add cost 0.98 ms of carrinho CPU and 0.48 ms in everything else (autocannon, nginx, Redis), so 2 cores allow at most 2 x 0.98 / 1.46 = 1.34x one instance; the seed\'s gain needs a core per instance. Cart add vs Express: 47.3% here, 87.1% in the busier run the same hour and 61.9% before, with no change to carrinho\'s add path (its outgoing catalogo check only lost follow-redirects): this ratio is the noisiest of the six.',
];

function targetsTable(after: Target[], before: Target[] | undefined, rerun: Target[] | undefined): string {
  const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${round(x * 100, 1)}%`);
  const rows = after.map((t) => {
    const b = before?.find((x) => x.name === t.name);
    const r = rerun?.find((x) => x.name === t.name);
    const met = t.ratio >= t.goal;
    const range = t.spread ? ` (pairs ${pct(t.spread.min)}-${pct(t.spread.max)})` : '';
    const noise = t.spread && r ? withinRange(t.spread, r.ratio) : undefined;
    const rerunCell = rerun ? ` ${pct(r?.ratio)}${noise === undefined ? '' : noise ? ', within' : ', OUTSIDE'} |` : '';
    return `| ${t.name} | ${pct(t.goal)} | ${before ? `${pct(b?.ratio)} |` : ''} ${pct(t.ratio)}${range} |${rerunCell} ${met ? 'met' : `missed by ${round((t.goal - t.ratio) * 100, 1)} points`} |`;
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
      `${(s.loadAverageAtStart?.[0] ?? Infinity) <= 2 ? '**Quiet**: nothing but the stack and the load generators ran' : '**Shared and busy**: other work ran on the same 2 cores, so absolute figures are low and noisy'}; load average ${s.loadAverageAtStart ? `${s.loadAverageAtStart.join(' / ')} at the start and ` : ''}${m.loadAverage.join(' / ')} (1/5/15 min) at the end (the bench itself loads both cores). The ratios to baselines measured in the same run are what to compare. Regenerate this page after a run with \`node_modules/.bin/tsx bench/docs.ts reports/<timestamp>\`.`,
    '',
  );
  out.push(`Stack: ${s.carrinhoRunning.length} carrinho instances, gateway rate limit ${s.gatewayRateLimitRps > 0 ? `${s.gatewayRateLimitRps} r/s` : 'off (BRIGADEIRO_RATE_LIMIT_RPS=0)'}, catalogue list ${s.catalogueBytes} bytes.`, '');
  const targets = s.results.flatMap((r) => r.targets);
  out.push('## Targets', '', targetsTable(targets, before?.results.flatMap((r) => r.targets), rerun?.results.flatMap((r) => r.targets)), '');
  if (rerun)
    out.push(
      `"Rerun" is a second full run of the same commit (${rerun.machine.gitCommit}, ${rerun.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${rerun.loadAverageAtStart?.join(' / ') ?? rerun.machine.loadAverage.join(' / ')}): "within" when its ratio falls inside this run's range of per-pair ratios (each ratio is the median of pairs of adjacent runs, the order alternating; the range is how far single pairs spread on this machine).`,
      '',
    );
  if (before) out.push(`"Before" is a full run on commit ${before.machine.gitCommit} (${before.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${before.loadAverageAtStart?.join(' / ') ?? before.machine.loadAverage.join(' / ')}), each ratio against the baselines of its own run.`, '');
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
