/**
 * Concurrency (seed 000 §5.3): the catalogue list through the gateway.
 * - the seed's command as is: `ab -n 1000 -c 100 <gateway>/api/v1/produtos` (no keep-alive);
 * - the same at larger n and c, with and without the gateway's 1 s micro-cache (a `Cache-Control:
 *   no-cache` request bypasses it), for the latency-against-load chart;
 * - the ratio runs: `ab -k -c 64` like the baselines, uncached (target >= 50% of Express behind nginx)
 *   and cached (target >= 80% of nginx static).
 */
import path from 'node:path';
import { runAb, type AbResult } from '../lib/ab';
import { say } from '../lib/log';
import { interleaved, pairedRatio, repLabel, spreadOf, type PairedRatio } from '../lib/paired';
import { median, medianRun, ratio, round } from '../lib/stats';
import type { BenchContext, Scenario, ScenarioResult, Target } from './types';

const NO_CACHE = { 'Cache-Control': 'no-cache' };

/** Requests per second that got a 2xx (ab's figure counts 429s and errors too). */
function goodput(r: AbResult): number {
  return (r.rps * r.successPct) / 100;
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const url = `${ctx.gateway}/api/v1/produtos`;
  const { seed, reps } = ctx.sizes;
  const notes: string[] = [];

  const seedRuns: AbResult[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    say(`concurrency, seed command (rep ${rep}/${reps}): ab -n ${seed.requests} -c ${seed.concurrency} ${url}`);
    const r = await runAb({ url, requests: seed.requests, concurrency: seed.concurrency, seconds: seed.seconds });
    if (rep === 1) ctx.commands.push(r.command);
    say(`  ${round(r.timeTaken, 3)} s, ${round(r.rps, 0)} req/s, mean ${r.meanMs} ms, ${r.successPct.toFixed(1)}% ok`);
    seedRuns.push(r);
  }

  const ladder: { series: string; concurrency: number; requests: number; r: AbResult }[] = [];
  for (const step of ctx.sizes.ladder) {
    for (const [series, headers] of [
      ['gateway (micro-cache)', undefined],
      ['gateway uncached (no-cache)', NO_CACHE],
    ] as const) {
      say(`concurrency ladder, ${series}: ab -n ${step.requests} -c ${step.concurrency} (at most ${ctx.sizes.ladderSeconds} s)`);
      const r = await runAb({ url, requests: step.requests, concurrency: step.concurrency, seconds: ctx.sizes.ladderSeconds, headers });
      ctx.commands.push(r.command);
      say(`  ${round(r.rps, 0)} req/s, mean ${r.meanMs} ms, p95 ${r.p95} ms, ${r.successPct.toFixed(1)}% ok`);
      ladder.push({ series, ...step, r });
    }
  }

  const { requests, concurrency, seconds } = ctx.sizes.ratioRun;
  const ratioReps = ctx.sizes.ratioReps;
  const pairs = ctx.baselineUrls;
  // Each gateway run is paired with its baseline run right next to it, the order alternating per repetition,
  // and the ratio is taken per pair (bench/lib/paired.ts): only adjacent runs compare on this machine.
  const plan = [
    { kind: 'express', url: pairs?.express, headers: undefined },
    { kind: 'uncached', url, headers: NO_CACHE },
    { kind: 'nginxStatic', url: pairs?.nginxStatic, headers: undefined },
    { kind: 'cached', url, headers: undefined },
  ] as const;
  const ratioRuns = await interleaved(
    ratioReps,
    plan
      .filter((step) => step.url)
      .map((step) => ({
        key: step.kind,
        run: async (rep: number) => {
          const label = step.kind === 'express' ? 'Express baseline' : step.kind === 'nginxStatic' ? 'nginx static baseline' : `gateway ${step.kind}`;
          say(`concurrency ratio run, ${label} (${repLabel(rep, ratioReps)}): ab -k -c ${concurrency}, at most ${requests} requests or ${seconds} s`);
          const r = await runAb({ url: step.url as string, requests, concurrency, seconds, keepAlive: true, headers: step.headers });
          if (rep === 1) ctx.commands.push(r.command);
          say(`  ${round(r.rps, 0)} req/s (${round(goodput(r), 0)} 2xx/s), p99 ${r.p99} ms, ${r.successPct.toFixed(1)}% ok`);
          return r;
        },
      })),
    { warmup: !ctx.quick },
  );
  const perRep = (num: AbResult[], den: AbResult[] | undefined, fallback: number): PairedRatio =>
    den?.length === num.length && den.length > 0
      ? pairedRatio(num.map(goodput), den.map((r) => r.rps))
      : { median: ratio(median(num.map(goodput)), fallback), min: NaN, max: NaN, pairs: 0 };

  const seedM = medianRun(seedRuns);
  const uncached = median(ratioRuns.uncached.map(goodput));
  const cached = median(ratioRuns.cached.map(goodput));
  const b = ctx.baselines;
  const expressNear = ratioRuns.express?.length ? median(ratioRuns.express.map((r) => r.rps)) : (b?.expressRps ?? NaN);
  const staticNear = ratioRuns.nginxStatic?.length ? median(ratioRuns.nginxStatic.map((r) => r.rps)) : (b?.nginxStaticRps ?? NaN);
  const pUn = perRep(ratioRuns.uncached, ratioRuns.express, b?.expressRps ?? NaN);
  const pC = perRep(ratioRuns.cached, ratioRuns.nginxStatic, b?.nginxStaticRps ?? NaN);
  const rUn = pUn.median;
  const rC = pC.median;
  const pairing = ratioRuns.express?.length ? `median of ${pUn.pairs} per-pair ratios (each gateway run next to its baseline run, the order alternating)` : 'ratio of medians to the baselines scenario';
  const rateLimited = ctx.gatewayRateLimitRps > 0;
  const limitWhy = rateLimited
    ? `the gateway's per-client rate limit (${ctx.gatewayRateLimitRps} r/s) answers 429 above it, and every bench request comes from one address; restart the stack with BRIGADEIRO_RATE_LIMIT_RPS=0 to measure the path itself`
    : '';
  const targets: Target[] = [];
  if (b || pairs) {
    targets.push({
      name: 'catalogue list through the gateway, uncached, vs Express baseline',
      ratio: rUn,
      ...spreadOf(pUn),
      goal: 0.5,
      detail: `${round(uncached, 0)} 2xx/s vs ${round(expressNear, 0)} req/s, ab -k -c ${concurrency}; ${pairing}`,
      why:
        rUn < 0.5
          ? `every request goes gateway -> catalogo -> PostgreSQL replica through HAProxy, and catalogo's one Node process is the ceiling: HTTP, Express with the request id (AsyncLocalStorage), metrics and logging, and a database round trip cost it about 1.8x the CPU the bare Express baseline spends per request (0.59 vs 0.32 ms, ab -k -c 64 straight at each), while the replica, HAProxy, nginx and ab share the other core` +
            (limitWhy ? `; also ${limitWhy}` : '')
          : undefined,
    });
    targets.push({
      name: 'catalogue list through the gateway with the micro-cache, vs nginx static',
      ratio: rC,
      ...spreadOf(pC),
      goal: 0.8,
      detail: `${round(cached, 0)} 2xx/s vs ${round(staticNear, 0)} req/s, ab -k -c ${concurrency}; ${pairing}`,
      why:
        rC < 0.8
          ? (limitWhy ? `${limitWhy}; ` : '') +
            `a cache hit still reads the stored response headers back from the cache file and parses them, looks its key up under a shared-memory lock, maps the request id and adds two headers, where the static baseline is one sendfile (both with the same buffered access log and open_file_cache)`
          : undefined,
    });
  }
  if (rateLimited) notes.push(`The gateway runs with a rate limit of ${ctx.gatewayRateLimitRps} r/s per client: runs above it get 429s, counted as failures in "Taxa de sucesso"; the ratios use 2xx answers per second only.`);

  const seedRow = (label: string, v: number): [string, number] => [label, v];
  const abRow = (label: string, runs: AbResult[], pct: number): [string, ...number[]] => [
    label,
    round(median(runs.map((r) => r.rps)), 0),
    round(median(runs.map(goodput)), 0),
    medianRun(runs).p99,
    round(median(runs.map((r) => r.successPct)), 2),
    round(pct, 1),
  ];
  return {
    name: 'concurrency',
    title: 'Concurrency: the catalogue list through the gateway',
    tables: [
      {
        title: `Teste de Concorrência: ab -n ${seed.requests} -c ${seed.concurrency} ${url} (median of ${reps}; the seed's command, no keep-alive)`,
        seed: '000 §5.3',
        columns: ['Métrica', 'Valor'],
        rows: [
          seedRow('Tempo total (s)', round(median(seedRuns.map((r) => r.timeTaken)), 3)),
          seedRow('Req/segundo', round(median(seedRuns.map((r) => r.rps)), 0)),
          seedRow('Latência média (ms)', round(median(seedRuns.map((r) => r.meanMs)), 2)),
          seedRow('Taxa de sucesso (%)', round(median(seedRuns.map((r) => r.successPct)), 2)),
          seedRow('P50 (ms)', seedM.p50),
          seedRow('P95 (ms)', seedM.p95),
          seedRow('P99 (ms)', seedM.p99),
        ],
      },
      {
        title: `Larger n and c (no keep-alive, each bounded to ${ctx.sizes.ladderSeconds} s)`,
        columns: ['Series / concurrency', 'c', 'n', 'Req/s', 'Mean (ms)', 'P50 (ms)', 'P95 (ms)', 'P99 (ms)', 'Success (%)'],
        rows: ladder.map((l) => [`${l.series}, c=${l.concurrency}`, l.concurrency, l.r.complete, round(l.r.rps, 0), round(l.r.meanMs, 2), l.r.p50, l.r.p95, l.r.p99, round(l.r.successPct, 2)]),
      },
      {
        title: `Ratio runs: ab -k -c ${concurrency} for ${seconds} s, each gateway run next to its baseline, the order alternating (median of ${ratioReps})`,
        columns: ['Path', 'Req/s', '2xx/s', 'P99 (ms)', 'Success (%)', 'Ratio to its baseline (%)'],
        rows: [
          ...(ratioRuns.express?.length ? [abRow('baseline: Express 5 behind nginx', ratioRuns.express, 100)] : []),
          abRow('gateway, uncached (no-cache)', ratioRuns.uncached, rUn * 100),
          ...(ratioRuns.nginxStatic?.length ? [abRow('baseline: nginx static', ratioRuns.nginxStatic, 100)] : []),
          abRow('gateway, micro-cache', ratioRuns.cached, rC * 100),
        ],
      },
    ],
    charts: [
      {
        file: path.join(ctx.outDir, 'concurrency-latency.svg'),
        caption: 'Mean and P95 latency of the catalogue list against concurrency (ab, no keep-alive)',
        title: 'Catalogue list through the gateway: latency against load',
        x: { field: 'concurrency', title: 'concurrent clients (ab -c)' },
        y: { field: 'ms', title: 'latency (ms)' },
        series: 'series',
        rows: ladder.flatMap((l) => [
          { series: `${l.series} mean`, concurrency: l.concurrency, ms: round(l.r.meanMs, 2) },
          { series: `${l.series} P95`, concurrency: l.concurrency, ms: l.r.p95 },
        ]),
      },
      {
        file: path.join(ctx.outDir, 'concurrency-throughput.svg'),
        caption: 'Requests per second of the catalogue list against concurrency',
        title: 'Catalogue list through the gateway: throughput against load',
        x: { field: 'concurrency', title: 'concurrent clients (ab -c)' },
        y: { field: 'rps', title: 'requests per second' },
        series: 'series',
        rows: ladder.map((l) => ({ series: l.series, concurrency: l.concurrency, rps: round(l.r.rps, 0) })),
      },
    ],
    targets,
    notes,
    raw: { seed: seedRuns, ladder, ratioRuns },
  };
}

export const concurrency: Scenario = {
  name: 'concurrency',
  title: 'Concurrency',
  summary: 'seed 000 §5.3: ab -n 1000 -c 100 on the catalogue list through the gateway, larger n and c, ratio runs',
  run,
};
