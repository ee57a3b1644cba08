/**
 * Load runs against the running native stack:
 *
 *   tsx bench/cli.ts <scenario...|all> [--quick] [--out <dir>]
 *
 * Scenarios: see --help. Writes reports/<timestamp>/REPORT.md, results.json and SVG charts, prints
 * progress on stderr and the report's path on stdout. Exit 0 when every scenario ran, 1 when one
 * failed (its error is in the report), 2 when the bench refused to start (e.g. the gateway is down).
 */
import { fullError, parse, runCli, UsageError } from '../scripts/cli/args';
import { SCENARIOS } from './scenarios';
import { BenchRefused, resolveScenarios, runBench } from './run';

const USAGE = `usage: bench/cli.ts <scenario...|all> [--quick] [--out <dir>]
  scenarios:
${SCENARIOS.map((s) => `    ${s.name.padEnd(12)} ${s.summary}`).join('\n')}
    all          every scenario above (baselines always run first: every figure is also a ratio to them)
  --quick        tiny sizes (seconds in all): for the smoke test and for trying things on a busy machine
  --out <dir>    where the report goes (default reports/<timestamp>)
  The stack is found like the tests find it: BRIGADEIRO_HOME, BRIGADEIRO_PORT_OFFSET, BRIGADEIRO_PORT_*.`;

/** The command line is checked (options strictly, scenario names against SCENARIOS) before anything is measured. */
async function main(argv: string[]): Promise<number> {
  const { values, positionals: names } = parse(argv, { quick: { type: 'boolean' }, out: { type: 'string' } }, true);
  if (values.out === '') throw new UsageError('--out needs a folder');
  try {
    resolveScenarios(names);
  } catch (err) {
    if (err instanceof BenchRefused) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  try {
    const { reportFile, summary } = await runBench({ scenarios: names, quick: values.quick === true, outDir: values.out });
    for (const t of summary.results.flatMap((r) => r.targets)) {
      const pct = Number.isFinite(t.ratio) ? `${(t.ratio * 100).toFixed(1)}%` : 'n/a';
      console.error(`${t.ratio >= t.goal ? 'MET   ' : 'MISSED'} ${t.name}: ${pct} (goal ${(t.goal * 100).toFixed(0)}%)`);
    }
    console.log(reportFile);
    if (summary.failures.length) {
      console.error(`bench: ${summary.failures.length} scenario(s) failed: ${summary.failures.map((f) => f.scenario).join(', ')} (see the report)`);
      return 1;
    }
    return 0;
  } catch (err) {
    // Refused to start (e.g. the gateway is down): documented as exit 2, but the command line was fine, so no usage.
    if (err instanceof BenchRefused) {
      console.error(`bench: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

runCli('bench', USAGE, main, fullError);
