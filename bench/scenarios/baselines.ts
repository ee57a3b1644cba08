/**
 * Baselines, measured in the same run as everything else so every other figure is also a ratio:
 * - nginx serving the catalogue bytes as a static file;
 * - a bare node:http server returning them, behind the same nginx (upstream keepalive);
 * - an Express 5 app returning them with res.json, behind the same nginx;
 * - redis-benchmark GET/SET on the stack's Redis (its own db number, its key deleted afterwards);
 * - pgbench -S (select-only) in a scratch database `bench`, created and dropped as superuser through
 *   HAProxy's read-write port, measured through the read-write and the read-only (replica) ports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HOST, superuserUrl } from '@brigadeiro/topology';
import { runAb, type AbResult } from '../lib/ab';
import { startBenchNginx } from '../lib/bench-nginx';
import { runCannon, type CannonResult } from '../lib/cannon';
import { startServerChild, type BaselineServer } from '../lib/children';
import { say } from '../lib/log';
import { runCommand, shellLine } from '../lib/processes';
import { median, medianRun, ratio, round } from '../lib/stats';
import type { BenchContext, Scenario, ScenarioResult, Table } from './types';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const SCRATCH_DB = 'bench';

interface RedisFigure {
  test: string;
  rps: number;
  avgMs: number;
  p50: number;
  p95: number;
  p99: number;
}

interface PgFigure {
  endpoint: 'rw' | 'ro';
  tps: number;
  latencyMs: number;
  transactions: number;
}

/** Parses `redis-benchmark --csv` (Redis 7: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"). */
export function parseRedisCsv(csv: string): RedisFigure[] {
  const lines = csv
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const header = (lines.shift() ?? '').split(',').map((h) => h.replace(/"/g, ''));
  const col = (name: string) => header.indexOf(name);
  return lines.map((l) => {
    const cells = l.split(',').map((c) => c.replace(/"/g, ''));
    const n = (name: string) => Number(cells[col(name)]);
    return { test: cells[0] ?? '?', rps: n('rps'), avgMs: n('avg_latency_ms'), p50: n('p50_latency_ms'), p95: n('p95_latency_ms'), p99: n('p99_latency_ms') };
  });
}

/** Parses pgbench's summary: tps (without initial connection time) and the average latency. */
export function parsePgbench(out: string): { tps: number; latencyMs: number; transactions: number } {
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(out)?.[1];
  const tx = /number of transactions actually processed: (\d+)/.exec(out)?.[1];
  return { tps: Number(tps ?? NaN), latencyMs: Number(lat ?? NaN), transactions: Number(tx ?? NaN) };
}

async function psql(ctx: BenchContext, port: number, database: string, sql: string): Promise<void> {
  const args = [superuserUrl(ctx.t, port, database), '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql];
  const r = await runCommand(path.join(PG_BIN, 'psql'), args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`psql failed (${sql}): ${r.stderr.trim()}`);
}

async function redisBaseline(ctx: BenchContext): Promise<RedisFigure[]> {
  const { requests, clients } = ctx.sizes.redis;
  // db 9: never the carts' db 0; the benchmark's single key is deleted afterwards.
  const args = ['-h', HOST, '-p', String(ctx.t.ports.redis), '--dbnum', '9', '-q', '--csv', '-n', String(requests), '-c', String(clients), '-t', 'get,set'];
  ctx.commands.push(shellLine('redis-benchmark', args));
  say(`redis-benchmark GET/SET, ${requests} requests, ${clients} clients`);
  const r = await runCommand('redis-benchmark', args, { timeoutMs: 60_000 });
  await runCommand('redis-cli', ['-h', HOST, '-p', String(ctx.t.ports.redis), '-n', '9', 'DEL', 'key:__rand_int__'], { timeoutMs: 5000 });
  const figures = parseRedisCsv(r.stdout);
  if (r.code !== 0 || figures.length === 0) throw new Error(`redis-benchmark failed: ${(r.stderr || r.stdout).trim().slice(-500)}`);
  for (const f of figures) say(`  ${f.test}: ${round(f.rps, 0)} req/s, p50 ${f.p50} ms`);
  return figures;
}

async function pgBaseline(ctx: BenchContext): Promise<PgFigure[]> {
  const { scale, clients, seconds, transactions } = ctx.sizes.pgbench;
  const rw = ctx.t.ports.pgRw;
  const figures: PgFigure[] = [];
  say(`pgbench: creating scratch database "${SCRATCH_DB}" (scale ${scale}) through HAProxy rw :${rw}`);
  await psql(ctx, rw, 'postgres', `DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`);
  await psql(ctx, rw, 'postgres', `CREATE DATABASE ${SCRATCH_DB}`);
  try {
    const init = ['-i', '-q', '-s', String(scale), superuserUrl(ctx.t, rw, SCRATCH_DB)];
    ctx.commands.push(shellLine('pgbench', init));
    const ri = await runCommand(path.join(PG_BIN, 'pgbench'), init, { timeoutMs: 120_000 });
    if (ri.code !== 0) throw new Error(`pgbench -i failed: ${ri.stderr.trim().slice(-500)}`);
    for (const endpoint of ['rw', 'ro'] as const) {
      const port = endpoint === 'rw' ? rw : ctx.t.ports.pgRo;
      const bound = seconds !== undefined ? ['-T', String(seconds)] : ['-t', String(transactions ?? 100)];
      const args = ['-S', '-n', '-c', String(clients), '-j', String(Math.min(clients, 2)), ...bound, superuserUrl(ctx.t, port, SCRATCH_DB)];
      ctx.commands.push(shellLine('pgbench', args));
      say(`pgbench -S through HAProxy ${endpoint} :${port}, ${clients} clients, ${bound.join(' ')}`);
      // The replica may need a moment to have the new database (synchronous replication makes it short).
      let out = '';
      for (let attempt = 0; attempt < 10; attempt++) {
        const r = await runCommand(path.join(PG_BIN, 'pgbench'), args, { timeoutMs: ((seconds ?? 10) + 30) * 1000 });
        out = r.stdout + r.stderr;
        if (r.code === 0) break;
        await new Promise((res) => setTimeout(res, 500));
      }
      const f = parsePgbench(out);
      if (!Number.isFinite(f.tps)) throw new Error(`pgbench -S on ${endpoint} failed:\n${out.trim().slice(-500)}`);
      say(`  ${endpoint}: ${round(f.tps, 0)} tps, latency ${f.latencyMs} ms`);
      figures.push({ endpoint, ...f });
    }
  } finally {
    await psql(ctx, rw, 'postgres', `DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`).catch((err: Error) => say(`could not drop ${SCRATCH_DB}: ${err.message}`));
  }
  return figures;
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const dir = path.join(ctx.workDir, 'baselines');
  fs.mkdirSync(dir, { recursive: true });
  const bodyFile = path.join(dir, 'produtos.json');
  fs.writeFileSync(bodyFile, ctx.catalogue);

  const servers: BaselineServer[] = [];
  let nginxStop: (() => Promise<void>) | undefined;
  try {
    say(`baselines: starting a bare node server and an Express app with the catalogue bytes (${ctx.catalogue.length} B)`);
    servers.push(await startServerChild('bare node', 'bare-node.ts', { BODY_FILE: bodyFile }));
    servers.push(await startServerChild('express', 'express-app.ts', { BODY_FILE: bodyFile }));
    const [bare, express] = servers as [BaselineServer, BaselineServer];
    const nginx = await startBenchNginx(path.join(dir, 'nginx'), [
      { kind: 'static', name: 'static', file: bodyFile },
      { kind: 'proxy', name: 'bare', servers: [bare.address] },
      { kind: 'proxy', name: 'express', servers: [express.address] },
    ]);
    nginxStop = nginx.stop;
    say(`baselines: bench nginx PID ${nginx.pid} (${nginx.conf}), bare node PID ${bare.pid}, express PID ${express.pid}`);

    const targets = [
      { key: 'static', label: 'nginx static file', url: nginx.urls.static + '/api/v1/produtos' },
      { key: 'bare', label: 'bare node:http behind nginx', url: nginx.urls.bare + '/api/v1/produtos' },
      { key: 'express', label: 'Express 5 res.json behind nginx', url: nginx.urls.express + '/api/v1/produtos' },
    ];
    const ab: Record<string, AbResult[]> = { static: [], bare: [], express: [] };
    const { requests, concurrency, seconds } = ctx.sizes.ratioRun;
    if (!ctx.quick) {
      // One discarded second per target: V8 has compiled the hot paths and nginx holds its upstream
      // keep-alive connections before anything is measured.
      for (const target of targets) {
        say(`warm-up ${target.label}: ab -k -c ${concurrency} for 1 s (discarded)`);
        await runAb({ url: target.url, requests, concurrency, seconds: 1, keepAlive: true });
      }
    }
    // Interleaved repetitions: a noisy moment on this shared machine hits every target, not one.
    for (let rep = 1; rep <= ctx.sizes.reps; rep++) {
      for (const target of targets) {
        say(`baseline ${target.label} (rep ${rep}/${ctx.sizes.reps}): ab -k -c ${concurrency}, at most ${requests} requests or ${seconds} s`);
        const r = await runAb({ url: target.url, requests, concurrency, seconds, keepAlive: true });
        if (rep === 1) ctx.commands.push(r.command);
        say(`  ${round(r.rps, 0)} req/s, mean ${r.meanMs} ms, p99 ${r.p99} ms, ${r.successPct.toFixed(1)}% ok`);
        ab[target.key]?.push(r);
      }
    }
    const cannon: CannonResult[] = [];
    for (let rep = 1; rep <= ctx.sizes.reps; rep++) {
      const c = ctx.sizes.cannon;
      say(`baseline Express behind nginx with autocannon (rep ${rep}/${ctx.sizes.reps}): -c ${c.connections}, at most ${c.amount} requests or ${c.seconds} s`);
      const r = await runCannon({ url: nginx.urls.express + '/api/v1/produtos', connections: c.connections, seconds: c.seconds, amount: c.amount });
      if (rep === 1) ctx.commands.push(r.command);
      say(`  ${round(r.rps, 0)} req/s, p99 ${r.p99} ms`);
      cannon.push(r);
    }
    // The baseline targets stay up for the rest of the run: the other scenarios measure a baseline
    // right next to each of their own runs, so a ratio compares two moments of the same load.
    ctx.baselineUrls = { nginxStatic: targets[0]!.url, bareNode: targets[1]!.url, express: targets[2]!.url };
    const keep = [nginx.stop, ...servers.splice(0).map((x) => x.stop)];
    nginxStop = undefined;
    ctx.cleanups.push(async () => {
      for (const stop of keep) await stop();
    });

    const redis = await redisBaseline(ctx);
    const pg = await pgBaseline(ctx);

    const staticRps = median(ab.static!.map((r) => r.rps));
    ctx.baselines = {
      nginxStaticRps: staticRps,
      bareNodeRps: median(ab.bare!.map((r) => r.rps)),
      expressRps: median(ab.express!.map((r) => r.rps)),
      expressCannonRps: median(cannon.map((r) => r.rps)),
      bodyBytes: ctx.catalogue.length,
    };

    const httpRow = (label: string, runs: { rps: number; meanMs: number; p50: number; p95: number; p99: number; successPct: number }[]): [string, ...number[]] => {
      const m = medianRun(runs);
      return [label, round(median(runs.map((r) => r.rps)), 0), round(m.meanMs, 3), m.p50, m.p95, m.p99, round(m.successPct, 1), round(ratio(median(runs.map((r) => r.rps)), staticRps) * 100, 1)];
    };
    const tables: Table[] = [
      {
        title: `HTTP baselines: the catalogue list's ${ctx.catalogue.length} bytes, ab -k -c ${concurrency} (median of ${ctx.sizes.reps})`,
        columns: ['Target', 'Req/s', 'Mean (ms)', 'P50 (ms)', 'P95 (ms)', 'P99 (ms)', 'Success (%)', '% of nginx static'],
        rows: [
          httpRow(targets[0]!.label, ab.static!),
          httpRow(targets[1]!.label, ab.bare!),
          httpRow(targets[2]!.label, ab.express!),
          httpRow(`Express 5 behind nginx, autocannon -c ${ctx.sizes.cannon.connections}`, cannon),
        ],
      },
      {
        title: `Redis: redis-benchmark -n ${ctx.sizes.redis.requests} -c ${ctx.sizes.redis.clients} on the stack's Redis (:${ctx.t.ports.redis})`,
        columns: ['Test', 'Req/s', 'Mean (ms)', 'P50 (ms)', 'P95 (ms)', 'P99 (ms)'],
        rows: redis.map((f) => [f.test, round(f.rps, 0), f.avgMs, f.p50, f.p95, f.p99]),
      },
      {
        title: `PostgreSQL: pgbench -S (select-only), scale ${ctx.sizes.pgbench.scale}, ${ctx.sizes.pgbench.clients} clients, through HAProxy`,
        columns: ['Endpoint', 'TPS', 'Latency mean (ms)', 'Transactions'],
        rows: pg.map((f) => [`${f.endpoint === 'rw' ? 'read-write (primary)' : 'read-only (replica)'} :${f.endpoint === 'rw' ? ctx.t.ports.pgRw : ctx.t.ports.pgRo}`, round(f.tps, 0), f.latencyMs, f.transactions]),
      },
    ];
    return {
      name: 'baselines',
      title: 'Baselines',
      tables,
      charts: [],
      targets: [],
      notes: [
        `Same nginx binary and settings as the gateway (2 workers, upstream keepalive 64, an access log line per request), but no rate limit and no cache: the figures are the ceiling the gateway path is compared with.`,
        `The Express app is the bare framework (no middleware, default ETag), so "Express baseline" is the floor of every service, not a service.`,
      ],
      raw: { ab, cannon, redis, pg, figures: ctx.baselines },
    };
  } finally {
    if (nginxStop) await nginxStop();
    for (const s of servers) await s.stop();
  }
}

export const baselines: Scenario = {
  name: 'baselines',
  title: 'Baselines',
  summary: 'nginx static / bare Node / Express behind nginx on the catalogue bytes, redis-benchmark, pgbench -S',
  run,
};
