/**
 * The load-run harness must not rot: every scenario runs at --quick size against the test stack (found
 * with loadTopology(), as every test finds it) and must produce a complete report. Structure only:
 * benchmarks are benchmarks, so nothing here asserts a speed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';

interface Table {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}
interface Results {
  quick: boolean;
  failures: { scenario: string; error: string }[];
  results: { name: string; tables: Table[]; charts: { file: string }[]; notes: string[]; raw: Record<string, unknown> }[];
  commands: string[];
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'cli.ts'), ...args], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bench (every scenario at --quick size against the running stack)', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-bench-smoke-'));
  let run: { code: number | null; stdout: string; stderr: string };
  let results: Results;

  beforeAll(async () => {
    run = await runCli(['all', '--quick', '--out', outDir]);
    const file = path.join(outDir, 'results.json');
    results = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Results) : ({ failures: [], results: [], commands: [] } as unknown as Results);
  }, 240_000);

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('when all scenarios run at --quick size, then the CLI exits 0, prints the report path and no scenario failed', () => {
    expect({ code: run.code, failures: results.failures, stderrTail: run.code === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ code: 0, failures: [], stderrTail: '' });
    expect(run.stdout.trim()).toBe(path.join(outDir, 'REPORT.md'));
  });

  test('when the run ends, then REPORT.md, results.json and every chart exist, and every scenario is in the report', () => {
    const report = fs.readFileSync(path.join(outDir, 'REPORT.md'), 'utf8');
    expect(results.results.map((r) => r.name)).toEqual(['baselines', 'concurrency', 'scalability', 'checkout', 'usermix', 'faulttolerance']);
    for (const r of results.results) {
      for (const c of r.charts) {
        expect(fs.readFileSync(c.file, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
        expect(report).toContain(`(${path.basename(c.file)})`);
      }
    }
    expect(report).toContain('(seed 000 §5.3)');
    expect(report).toContain('(seed 000 §5.5)');
    expect(report).toContain('(seed 004 §7.2-7.4)');
    expect(report).toContain('(seed 004 §7.5)');
    expect(report).toContain('(seed 004 §7.6)');
    expect(report).toContain('## Checkout: orders per second and end-to-end latency');
    expect(report).toContain('## Fault tolerance');
    expect(report).toContain('## Machine');
    expect(report).toContain('ab -q -l -r');
  });

  test('when the tables are filled, then every cell after the label is a number and the seed tables have their rows', () => {
    const tables = results.results.flatMap((r) => r.tables);
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const t of tables) {
      expect(t.rows.length).toBeGreaterThan(0);
      for (const row of t.rows) {
        expect(row).toHaveLength(t.columns.length);
        for (const v of row.slice(1)) expect({ table: t.title, row: row[0], value: Number.isFinite(v) }).toEqual({ table: t.title, row: row[0], value: true });
      }
    }
    const seed = tables.find((t) => t.title.startsWith('Teste de Concorrência'));
    expect(seed?.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['Tempo total (s)', 'Req/segundo', 'Latência média (ms)', 'Taxa de sucesso (%)']));
    const scale = tables.find((t) => t.title.startsWith('Teste de Escalabilidade'));
    expect(scale?.rows.map((r) => r[0])).toEqual(['1', '2', '3']);
  });

  test('when the user mix runs, then every seed 004 scenario has its rows, the spike its three phases, and the stress steps and saturation point are reported', () => {
    const mix = results.results.find((r) => r.name === 'usermix');
    const titled = (prefix: string) => mix?.tables.find((t) => t.title.startsWith(prefix));
    expect(titled('Cenários 1-3')?.rows.map((r) => String(r[0]).split(':')[0])).toEqual(['baseline', 'moderado', 'alta distribuição']);
    expect(titled('Cenário 4: spike')?.rows).toHaveLength(3);
    expect(titled('Cenário 5: stress')?.rows.length).toBeGreaterThanOrEqual(1);
    expect(titled('Ponto de saturação')?.rows.map((r) => r[0])).toHaveLength(3);
    expect(mix?.notes.some((n) => n.startsWith('Ponto de saturação'))).toBe(true);
    // Open model: every intended arrival is accounted for (answered or dropped), per phase.
    const runs = (mix?.raw as { runs: { result: { phases: { sent: number; completed: number; dropped: number }[] } }[] }).runs;
    for (const p of runs.flatMap((r) => r.result.phases)) expect(p.completed + p.dropped).toBe(p.sent);
  });

  test('when the checkout runs, then both payment profiles have a row, the CPU table charges pedidos and the load generator, and the hop breakdown names pedidos', () => {
    const co = results.results.find((r) => r.name === 'checkout');
    // latency off at each step of the client ladder (quick: 1, then 2 clients), then the seed profile
    expect(co?.tables[0]?.rows.map((r) => [String(r[0]).split(' ')[0], r[1]])).toEqual([['latência', 1], ['latência', 2], ['perfil', 2]]);
    const cpu = co?.tables.find((t) => t.title.startsWith('CPU per order'));
    const perOrder = new Map((cpu?.rows ?? []).map((r) => [String(r[0]), Number(r[1])]));
    expect(perOrder.get('pedidos')).toBeGreaterThan(0);
    expect(perOrder.has('load generator (bench)')).toBe(true);
    const hops = co?.tables.find((t) => t.title.startsWith('Where an order'));
    expect(hops?.rows.map((r) => String(r[0]).split(' ')[0])).toContain('pedidos');
  });

  test('when the fault tolerance scenario runs at --quick size, then it is in the report with its seed table, or says plainly why it did not kill anything', () => {
    const ft = results.results.find((r) => r.name === 'faulttolerance');
    if ((ft?.raw as { ran?: boolean }).ran) {
      expect(ft?.tables[0]?.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['Tempo de detecção (ms)', 'Tempo de failover (ms)', 'Requisições perdidas', 'Downtime total (ms)']));
    } else {
      expect(ft?.notes[0]).toMatch(/^NOT RUN: /);
    }
  });

  test('when requests are made at --quick size, then every one of them succeeded (100% 2xx in every success column)', () => {
    const tables = results.results.flatMap((r) => r.tables);
    const success: { table: string; row: unknown; pct: unknown }[] = [];
    for (const t of tables) {
      const col = t.columns.findIndex((c) => c.startsWith('Success'));
      if (col >= 0) for (const row of t.rows) success.push({ table: t.title, row: row[0], pct: row[col] });
      const taxa = t.rows.find((r) => r[0] === 'Taxa de sucesso (%)');
      if (taxa) success.push({ table: t.title, row: taxa[0], pct: taxa[1] });
    }
    expect(success.length).toBeGreaterThan(5);
    expect(success.filter((s) => s.pct !== 100)).toEqual([]);
  });
});
