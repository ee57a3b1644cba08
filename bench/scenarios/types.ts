/**
 * What a scenario is. A scenario measures one thing against the running stack, bounded in requests and
 * time, and returns tables (every cell after the first column a number), charts and notes; the runner
 * (bench/run.ts) writes them into REPORT.md and results.json. Later scenarios (user mix, checkout,
 * fault tolerance) implement the same interface and are added to the list in scenarios/index.ts.
 */
import type { Topology } from '@brigadeiro/topology';
import type { LineChart } from '../lib/charts';
import type { Sizes } from './sizes';

export interface Table {
  title: string;
  /** Which seed table this fills, e.g. "000 §5.3", if any. */
  seed?: string;
  columns: string[];
  /** First cell: a label; every other cell: a number (NaN is written as "n/a" and fails the smoke test). */
  rows: [string, ...number[]][];
}

export interface Target {
  name: string;
  /** The measured ratio. */
  ratio: number;
  /** The ratio the issue asks for (met when ratio >= goal). */
  goal: number;
  /** How the ratio was computed, with the two figures. */
  detail: string;
  /** Why it is missed, when it is (filled by the scenario, which knows). */
  why?: string;
  /** For a ratio taken per pair of adjacent runs (bench/lib/paired.ts): the lowest and highest pair. */
  spread?: { min: number; max: number; pairs: number };
}

/** Figures measured by the baselines scenario, which the others divide by (same run, same machine). */
export interface BaselineFigures {
  nginxStaticRps: number;
  bareNodeRps: number;
  expressRps: number;
  /** The Express baseline measured with autocannon, for ratios of autocannon-measured scenarios. */
  expressCannonRps: number;
  /** Size in bytes of the catalogue body all three serve. */
  bodyBytes: number;
}

export interface BenchContext {
  t: Topology;
  quick: boolean;
  sizes: Sizes;
  gateway: string;
  /** Scratch folder for this run (nginx prefix, catalogue file), under <t.home>/bench/. */
  workDir: string;
  /** Where REPORT.md, results.json and the charts go. */
  outDir: string;
  /** The catalogue list's exact bytes, fetched once from the gateway. */
  catalogue: Buffer;
  /** The carrinho instances that answer /health right now (1-based). */
  carrinhoRunning: number[];
  /** The gateway's effective rate limit in r/s per client (0 = off), read from its rendered config. */
  gatewayRateLimitRps: number;
  baselines?: BaselineFigures;
  /** The baseline targets, kept running after the baselines scenario (undefined if it failed). */
  baselineUrls?: { nginxStatic: string; bareNode: string; express: string };
  /** Run at the end of the run, whatever happened (stops what scenarios left running for others). */
  cleanups: (() => Promise<void>)[];
  /** Every command a scenario ran, exactly, for the report. */
  commands: string[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  tables: Table[];
  charts: (LineChart & { caption: string })[];
  targets: Target[];
  notes: string[];
  /** Everything measured, run by run, for results.json. */
  raw: unknown;
}

export interface Scenario {
  name: string;
  title: string;
  /** One line for `cli.ts --help`. */
  summary: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
