/** Writes REPORT.md and results.json for one run, and draws its charts. */
import fs from 'node:fs';
import path from 'node:path';
import { renderLineChart } from './charts';
import type { MachineFacts } from './machine';
import { round } from './stats';
import type { ScenarioResult, Table, Target } from '../scenarios/types';

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  gateway: string;
  stackHome: string;
  carrinhoConfigured: number;
  carrinhoRunning: number[];
  gatewayRateLimitRps: number;
  catalogueBytes: number;
  machine: MachineFacts;
  /** 1/5/15-minute load average when the run started (others' work on a shared machine shows here). */
  loadAverageAtStart?: number[];
  commands: string[];
  results: ScenarioResult[];
  failures: { scenario: string; error: string }[];
}

function cell(v: string | number): string {
  if (typeof v === 'string') return v.replace(/\|/g, '\\|');
  return Number.isFinite(v) ? String(v) : 'n/a';
}

export function tableMarkdown(t: Table): string {
  const head = `| ${t.columns.join(' | ')} |\n|${t.columns.map(() => '---').join('|')}|`;
  return `${head}\n${t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')}`;
}

function targetLine(t: Target): string {
  if (!Number.isFinite(t.ratio)) return `- **${t.name}**: not measured (${t.detail})`;
  const met = t.ratio >= t.goal;
  const pct = (x: number) => `${round(x * 100, 1)}%`;
  const short = met
    ? ''
    : ` — **missed by ${round((t.goal - t.ratio) * 100, 1)} percentage points** (reached ${round((t.ratio / t.goal) * 100, 0)}% of the goal). Why: ${t.why ?? 'see the notes'}`;
  const range = t.spread ? `; pairs ranged ${pct(t.spread.min)} to ${pct(t.spread.max)}` : '';
  return `- ${met ? 'MET' : 'MISSED'} **${t.name}**: ${pct(t.ratio)} (goal ≥ ${pct(t.goal)}; ${t.detail}${range})${short}`;
}

export function reportMarkdown(s: RunSummary): string {
  const m = s.machine;
  const out: string[] = [];
  out.push(`# Brigadeiro load run ${s.startedAt}${s.quick ? ' (--quick: tiny sizes, figures are not meaningful)' : ''}`);
  out.push('');
  out.push(
    `Gateway ${s.gateway}, stack home ${s.stackHome}. carrinho instances configured: ${s.carrinhoConfigured}, answering at start: ${s.carrinhoRunning.length}. ` +
      `Gateway rate limit: ${s.gatewayRateLimitRps > 0 ? `${s.gatewayRateLimitRps} r/s per client` : 'off'}. Catalogue list body: ${s.catalogueBytes} bytes.`,
  );
  out.push('');
  out.push(
    `Every figure is also given as a ratio to baselines measured in this same run on this same machine: absolute numbers on a shared 2-core machine are noisy (other processes, other people's tests), ratios much less so.`,
  );
  const targets = s.results.flatMap((r) => r.targets);
  if (targets.length) {
    out.push('', '## Targets', '', ...targets.map(targetLine));
  }
  if (s.failures.length) {
    out.push('', '## Scenarios that failed', '', ...s.failures.map((f) => `- **${f.scenario}**: ${f.error.replace(/\n/g, ' ')}`));
  }
  for (const r of s.results) {
    out.push('', `## ${r.title}`);
    for (const t of r.tables) {
      out.push('', `### ${t.title}${t.seed ? ` (seed ${t.seed})` : ''}`, '', tableMarkdown(t));
    }
    for (const c of r.charts) out.push('', `![${c.caption}](${path.basename(c.file)})`, '', `*${c.caption}*`);
    if (r.notes.length) out.push('', ...r.notes.map((n) => `- ${n}`));
  }
  out.push('', '## Machine', '');
  out.push(`| Fact | Value |\n|---|---|`);
  const facts: [string, string][] = [
    ['cores (nproc)', String(m.cores)],
    ['CPU', m.cpuModel],
    ['memory', `${m.memoryGiB} GiB`],
    ['load average at the start (1/5/15 min)', s.loadAverageAtStart ? s.loadAverageAtStart.join(' / ') : 'n/a'],
    ['load average at the end (1/5/15 min)', m.loadAverage.join(' / ')],
    ['OS / kernel', `${m.os} / ${m.kernel}`],
    ['node', m.node],
    ['nginx', m.nginx],
    ['redis', m.redis],
    ['postgres', m.postgres],
    ['ab', m.ab],
    ['autocannon', m.autocannon],
    ['git commit', m.gitCommit],
    ...Object.entries(m.settings),
  ];
  out.push(...facts.map(([k, v]) => `| ${k} | ${cell(v)} |`));
  out.push('', '## Exact commands', '', '```', ...s.commands, '```');
  out.push('', `Raw measurements, run by run: results.json. Started ${s.startedAt}, finished ${s.finishedAt}.`, '');
  return out.join('\n');
}

export async function writeReport(outDir: string, s: RunSummary): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  for (const r of s.results) {
    for (const c of r.charts) await renderLineChart(c);
  }
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  const file = path.join(outDir, 'REPORT.md');
  fs.writeFileSync(file, reportMarkdown(s));
  return file;
}
