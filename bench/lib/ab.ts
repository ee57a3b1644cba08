/**
 * ApacheBench, as the seed runs it (`ab -n 1000 -c 100 <url>`), bounded in requests AND time, with its
 * text output parsed into numbers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand, shellLine } from './processes';

export interface AbOptions {
  url: string;
  /** Requests (-n): the upper bound in count. */
  requests: number;
  /** Concurrency (-c). */
  concurrency: number;
  /** Seconds (-t): the upper bound in time. */
  seconds: number;
  keepAlive?: boolean;
  headers?: Record<string, string>;
}

export interface AbResult {
  command: string;
  /** Time taken for tests, seconds. */
  timeTaken: number;
  complete: number;
  failed: number;
  non2xx: number;
  /** Requests per second (ab's mean). */
  rps: number;
  /** Mean time per request, ms (ab's "Time per request (mean)": what the seed calls "Latência média"). */
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Completed requests that were neither failed nor non-2xx, in percent. */
  successPct: number;
}

/**
 * Builds ab's arguments. `-t` comes BEFORE `-n` on purpose: ab's -t resets the request count to 50000,
 * and a later -n sets it back, so the run stops at whichever bound is hit first.
 */
export function abArgs(o: AbOptions, csvFile?: string): string[] {
  const args = ['-q', '-l', '-r', '-s', '10', '-t', String(o.seconds), '-n', String(o.requests), '-c', String(o.concurrency)];
  if (o.keepAlive) args.push('-k');
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (csvFile) args.push('-e', csvFile);
  args.push(o.url);
  return args;
}

function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Parses ab's output (and optionally its -e CSV of percentiles). Missing lines become 0 or NaN. */
export function parseAb(stdout: string, csv?: string): Omit<AbResult, 'command'> {
  const complete = num(stdout, /Complete requests:\s+(\d+)/);
  const failed = num(stdout, /Failed requests:\s+(\d+)/);
  const non2xx = num(stdout, /Non-2xx responses:\s+(\d+)/);
  const pct = new Map<number, number>();
  // ab 2.3's CSV indexes past its data for fewer than 100 requests (its P99 is then garbage): below 200
  // requests the printed table (whole milliseconds) is used instead.
  if (csv && complete >= 200) {
    for (const line of csv.split('\n').slice(1)) {
      const [p, ms] = line.split(',');
      if (p !== undefined && ms !== undefined && p.trim() !== '') pct.set(Number(p), Number(ms));
    }
  }
  for (const m of stdout.matchAll(/^\s+(\d+)%\s+(\d+)/gm)) if (!pct.has(Number(m[1]))) pct.set(Number(m[1]), Number(m[2]));
  const ok = (Number.isFinite(complete) ? complete : 0) - (Number.isFinite(failed) ? failed : 0) - (Number.isFinite(non2xx) ? non2xx : 0);
  return {
    timeTaken: num(stdout, /Time taken for tests:\s+([\d.]+)/),
    complete: Number.isFinite(complete) ? complete : 0,
    failed: Number.isFinite(failed) ? failed : 0,
    non2xx: Number.isFinite(non2xx) ? non2xx : 0,
    rps: num(stdout, /Requests per second:\s+([\d.]+)/),
    meanMs: num(stdout, /Time per request:\s+([\d.]+) \[ms\] \(mean\)/),
    p50: pct.get(50) ?? NaN,
    p95: pct.get(95) ?? NaN,
    p99: pct.get(99) ?? NaN,
    max: pct.get(100) ?? NaN,
    successPct: complete > 0 ? (Math.max(0, ok) / complete) * 100 : 0,
  };
}

export async function runAb(o: AbOptions): Promise<AbResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-ab-'));
  const csvFile = path.join(dir, 'pct.csv');
  const args = abArgs(o, csvFile);
  const command = shellLine('ab', abArgs(o));
  try {
    const r = await runCommand('ab', args, { timeoutMs: (o.seconds + 15) * 1000 });
    const csv = fs.existsSync(csvFile) ? fs.readFileSync(csvFile, 'utf8') : undefined;
    const parsed = parseAb(r.stdout, csv);
    if (!Number.isFinite(parsed.rps)) {
      throw new Error(`ab failed (exit ${r.code}) for ${command}:\n${(r.stderr || r.stdout).trim().slice(-800)}`);
    }
    return { command, ...parsed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
