/**
 * Writes docs/BENCHMARKS.md (and copies the charts to docs/bench/) from a real run's results.json, with the
 * targets of an earlier run beside it when one is given (before/after a change, each as ratios to the
 * baselines of its own run):
 *
 *   tsx bench/docs.ts <report dir> [--before <report dir>]
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';
import { tableMarkdown, type RunSummary } from './lib/report';
import { round } from './lib/stats';
import type { Target } from './scenarios/types';

/** What changed between the "before" and "after" runs (kept by hand: it is the why of the numbers). */
const CHANGES = [
  '**carrinho: product check cache** (services/carrinho/src/data/catalogo-client.ts). Every cart add asked catalogo `GET /api/v1/produtos/:id` synchronously (a PostgreSQL read on the replica): the cart could never be faster than the single catalogo, and adding carrinho instances only queued more requests at it. Now each instance keeps catalogo\'s answer for `CATALOGO_CACHE_TTL_MS` (default 2 s, at most `CATALOGO_CACHE_MAX_ENTRIES` = 10,000 products) and concurrent checks of one product share one call. Only answers are cached (never "catalogo unavailable"), so an item accepted unverified is verified on the next add. Correct for a cart: the item is a snapshot at add time anyway, and a price change shows at most 2 s late.',
  '**pagamentos: `GET/PUT /admin/perfil`** (admin token): the simulated acquirer\'s profile switched at runtime, so the checkout is measured with the latency off and with the seed\'s 500-1500 ms in one run without restarting the stack.',
  '**bench: open-model user mix, checkout, fault tolerance** scenarios, and a per-hop breakdown of the checkout from each service\'s own `/metrics`.',
  'Checked and already in place before this work: nginx upstream keepalive to every service (the gateway and the bench nginx), axios keep-alive agents in every `Downstream`, `etag` off, request logs at debug for 2xx, catalogo reads as one SQL round trip (list, count and JSON page in one statement).',
];

/** Measured facts for the owners of other parts (kept by hand, with when and how they were measured). */
const FINDINGS = [
  '**Checkout is the far miss: 8.6 orders/s with 32 clients, P95 6.4 s, in the quiet run below** (200/s and 150 ms were the goals). By hand earlier (load average about 5, bench/lib/closed-loop.ts, orders over 20 products, payment latency off): 1 client 7.0 orders/s (P50 135 ms, P95 198 ms); 4 clients 11.0/s (P50 350 ms); 8 clients 12.5/s (P50 594 ms); 16 clients 12.8/s (P50 1210 ms). Throughput flat while latency grows with clients: the chain is CPU-bound on 2 cores. Each order is six synchronous HTTP hops (gateway, pedidos, pagamentos, estoque -> catalogo reservation, fiscal, logistica), about fifteen Prisma statements and a dozen synchronously replicated commits (every service logs each operation in its own table), all sharing the 2 cores with both PostgreSQL nodes and the load generator. With one client the chain takes 135 ms, so the P95 goal holds only at low concurrency. Next steps, in order of expected gain: fewer commits per order (the operation log in the same transaction as the operation), raw `pg` instead of Prisma on the checkout\'s hot statements (Prisma 7 compiles each query in WASM: PLATFORM.md measured about 2.3x less throughput than `pg`), and reusing one transaction per hop.',
  '**One product, one row lock**: an early version of the checkout scenario bought a single bench product and every order queued on that product\'s row in catalogo\'s reservation transaction (a Prisma interactive transaction holds the lock across several round trips and a synchronously replicated commit). The scenarios spread orders over many products, as a shop\'s orders are; a flash sale on one product still serialises there (test/e2e.checkout.gateway.test.ts runs exactly that race: 100 checkouts on stock 20).',
  '**Catalogue list uncached: 18.4% of the Express baseline on the quiet machine** (27% and 18.7% in two earlier runs on a busy one), so it is the service, not noise: each request is gateway -> catalogo (request id, logging, metrics, zod, Prisma `$queryRaw` with a JSON page built in SQL, parsed and re-serialised) -> HAProxy -> replica. Next candidates: the raw `pg` driver for the two read queries and sending the SQL-built JSON text as is.',
  '**Micro-cache: 78.8% of nginx static** (goal 80%); a hit still pays the cache-key lookup, the request-id map and the extra headers. Earlier busy runs gave 112% and 74% with no gateway change: on this machine only same-run ratios on a quiet machine mean much.',
  '**Cart scaling 1 -> 3 instances: 114%** (goal 150%): with the product check cached an add is one Redis Lua call plus Express, and on 2 cores one instance, nginx, Redis and autocannon already fill both CPUs; more instances share the same CPU time. The seed\'s gain needs a core per instance.',
];

function targetsTable(after: Target[], before: Target[] | undefined): string {
  const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${round(x * 100, 1)}%`);
  const rows = after.map((t) => {
    const b = before?.find((x) => x.name === t.name);
    const met = t.ratio >= t.goal;
    return `| ${t.name} | ${pct(t.goal)} | ${before ? `${pct(b?.ratio)} |` : ''} ${pct(t.ratio)} | ${met ? 'met' : `missed by ${round((t.goal - t.ratio) * 100, 1)} points`} |`;
  });
  return [`| Target | Goal | ${before ? 'Before | ' : ''}After | |`, `|---|---|${before ? '---|' : ''}---|---|`, ...rows].join('\n');
}

function main(argv: string[]): void {
  const dir = argv[0];
  if (!dir) throw new Error('usage: tsx bench/docs.ts <report dir> [--before <report dir>]');
  const b = argv.indexOf('--before');
  const read = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'results.json'), 'utf8')) as RunSummary;
  const s = read(dir);
  const before = b >= 0 && argv[b + 1] ? read(argv[b + 1] as string) : undefined;
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
  out.push('## Targets', '', targetsTable(targets, before?.results.flatMap((r) => r.targets)), '');
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
