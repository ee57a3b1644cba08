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
      `**Shared and busy**: load average ${s.loadAverageAtStart ? `${s.loadAverageAtStart.join(' / ')} at the start and ` : ''}${m.loadAverage.join(' / ')} (1/5/15 min) at the end, other engineers' test stacks running on the same 2 cores, so absolute figures are low and noisy; the ratios to baselines measured in the same run are what to compare. Rerun when the machine is quiet and regenerate this page with \`node_modules/.bin/tsx bench/docs.ts reports/<timestamp>\`.`,
    '',
  );
  out.push(`Stack: ${s.carrinhoRunning.length} carrinho instances, gateway rate limit ${s.gatewayRateLimitRps > 0 ? `${s.gatewayRateLimitRps} r/s` : 'off (BRIGADEIRO_RATE_LIMIT_RPS=0)'}, catalogue list ${s.catalogueBytes} bytes.`, '');
  const targets = s.results.flatMap((r) => r.targets);
  out.push('## Targets', '', targetsTable(targets, before?.results.flatMap((r) => r.targets)), '');
  if (before) out.push(`"Before" is a full run on commit ${before.machine.gitCommit} (${before.startedAt.slice(0, 16).replace('T', ' ')} UTC, load ${before.loadAverageAtStart?.join(' / ') ?? before.machine.loadAverage.join(' / ')}), each ratio against the baselines of its own run.`, '');
  for (const t of targets.filter((x) => x.ratio < x.goal)) out.push(`- **${t.name}** missed: ${t.detail}. ${t.why ?? ''}`);
  out.push('', '## What moved the numbers', '', ...CHANGES.map((c) => `- ${c}`), '');
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
