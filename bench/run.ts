/**
 * Runs scenarios against the running native stack and writes reports/<timestamp>/{REPORT.md,
 * results.json, *.svg}. The stack is found with loadTopology() (BRIGADEIRO_HOME, BRIGADEIRO_PORT_OFFSET,
 * BRIGADEIRO_PORT_*), exactly as the tests find it. Every process the bench starts is stopped by PID at
 * the end, on error and on Ctrl-C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { carrinhoPort, gatewayUrl, HOST, loadTopology, MAX_CARRINHO_INSTANCES, REPO_ROOT, type Topology } from '@brigadeiro/topology';
import { say } from './lib/log';
import { machineFacts } from './lib/machine';
import { answers, request } from './lib/net';
import { stopAll } from './lib/processes';
import { writeReport, type RunSummary } from './lib/report';
import { SCENARIOS } from './scenarios';
import { FULL, QUICK } from './scenarios/sizes';
import type { BenchContext, ScenarioResult } from './scenarios/types';

export interface BenchOptions {
  /** Scenario names, or ['all']. */
  scenarios: string[];
  quick?: boolean;
  /** Default <repo>/reports/<timestamp>. */
  outDir?: string;
  env?: Record<string, string | undefined>;
}

export interface BenchOutcome {
  reportFile: string;
  outDir: string;
  summary: RunSummary;
}

/** A refusal to run, with a message for a person (no stack trace needed). */
export class BenchRefused extends Error {}

export function resolveScenarios(names: string[]): string[] {
  const known = SCENARIOS.map((s) => s.name);
  if (names.length === 0) throw new BenchRefused(`name a scenario: ${[...known, 'all'].join(', ')}`);
  if (names.includes('all')) return known;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new BenchRefused(`unknown scenario(s): ${unknown.join(', ')}; known: ${[...known, 'all'].join(', ')}`);
  // Every figure is a ratio to baselines of the same run, so they always run first.
  return known.filter((k) => k === 'baselines' || names.includes(k));
}

/** The gateway's rate limit as actually rendered for the running stack, else what the topology says. */
function gatewayRateLimit(t: Topology): number {
  const dir = path.join(t.home, 'config');
  try {
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.conf')) continue;
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      if (!text.includes(`listen ${HOST}:${t.ports.gateway}`)) continue;
      const m = /limit_req_zone\s+\S+\s+zone=\S+\s+rate=(\d+)r\/s/.exec(text);
      return m ? Number(m[1]) : 0;
    }
  } catch {
    /* no rendered config readable: fall back to the topology */
  }
  return t.gateway.rateLimitRps;
}

async function runningCarrinhos(t: Topology): Promise<number[]> {
  const up: number[] = [];
  for (let i = 1; i <= MAX_CARRINHO_INSTANCES; i++) {
    if (await answers(`http://${HOST}:${carrinhoPort(t, i)}/health`, 1000)) up.push(i);
  }
  return up;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export async function runBench(opts: BenchOptions): Promise<BenchOutcome> {
  const names = resolveScenarios(opts.scenarios);
  const t = loadTopology(opts.env ?? process.env);
  const gateway = gatewayUrl(t);
  if (!(await answers(`${gateway}/health`, 2000))) {
    throw new BenchRefused(
      `the gateway at ${gateway} is not answering (stack home ${t.home}). Start the stack first (npm start -- --detach), ` +
        `or point the bench at the running one with BRIGADEIRO_HOME / BRIGADEIRO_PORT_OFFSET.`,
    );
  }
  // The list as catalogo answers it now, not a copy from the gateway's micro-cache (up to a second old, or any
  // age while catalogo is down): the baselines must serve the very bytes catalogo does.
  const list = await request(`${gateway}/api/v1/produtos`, { timeoutMs: 5000, headers: { 'Cache-Control': 'no-cache' } }).catch((err: Error) => {
    throw new BenchRefused(`GET ${gateway}/api/v1/produtos failed: ${err.message}`);
  });
  if (list.status !== 200) throw new BenchRefused(`GET ${gateway}/api/v1/produtos answered ${list.status}: ${list.body.toString().slice(0, 300)}`);

  const started = new Date();
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const stamp = timestamp(started);
  const outDir = path.resolve(opts.outDir ?? path.join(REPO_ROOT, 'reports', stamp));
  const workDir = path.join(t.home, 'bench', `${stamp}-${process.pid}`);
  fs.mkdirSync(workDir, { recursive: true });
  // Ctrl-C ends the process from the signal handler (bench/lib/processes.ts): the scratch folder goes too.
  const removeWorkDir = () => fs.rmSync(workDir, { recursive: true, force: true });
  process.once('exit', removeWorkDir);

  const ctx: BenchContext = {
    t,
    quick: Boolean(opts.quick),
    sizes: opts.quick ? QUICK : FULL,
    gateway,
    workDir,
    outDir,
    catalogue: list.body,
    carrinhoRunning: await runningCarrinhos(t),
    gatewayRateLimitRps: gatewayRateLimit(t),
    commands: [],
    cleanups: [],
  };
  say(`bench: ${names.join(', ')}${ctx.quick ? ' (--quick)' : ''} against ${gateway}; carrinho instances answering: ${ctx.carrinhoRunning.length}; report in ${outDir}`);
  if (ctx.gatewayRateLimitRps > 0) {
    say(`bench: note: the gateway limits each client to ${ctx.gatewayRateLimitRps} r/s; runs above it get 429s (start the stack with BRIGADEIRO_RATE_LIMIT_RPS=0 to measure the path itself)`);
  }

  const results: ScenarioResult[] = [];
  const failures: { scenario: string; error: string }[] = [];
  try {
    for (const name of names) {
      const scenario = SCENARIOS.find((s) => s.name === name)!;
      const t0 = Date.now();
      say(`== ${scenario.title} ==`);
      try {
        results.push(await scenario.run(ctx));
        say(`== ${scenario.title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s ==`);
      } catch (err) {
        // One broken scenario must not lose the others' figures: it is reported, and the run fails at the end.
        const message = err instanceof Error ? err.message : String(err);
        say(`== ${scenario.title}: FAILED: ${message}`);
        failures.push({ scenario: name, error: message });
      }
    }
  } finally {
    for (const cleanup of ctx.cleanups.splice(0)) await cleanup().catch((err: Error) => say(`cleanup failed: ${err.message}`));
    await stopAll();
    removeWorkDir();
    process.removeListener('exit', removeWorkDir);
  }
  const summary: RunSummary = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: ctx.quick,
    gateway,
    stackHome: t.home,
    carrinhoConfigured: t.carrinhoInstances,
    carrinhoRunning: ctx.carrinhoRunning,
    gatewayRateLimitRps: ctx.gatewayRateLimitRps,
    catalogueBytes: ctx.catalogue.length,
    machine: machineFacts(),
    loadAverageAtStart: loadAtStart,
    commands: ctx.commands,
    results,
    failures,
  };
  const reportFile = await writeReport(outDir, summary);
  return { reportFile, outDir, summary };
}
