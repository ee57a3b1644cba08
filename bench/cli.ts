/**
 * Load runs against the running native stack:
 *
 *   tsx bench/cli.ts <scenario...|all> [--quick] [--out <dir>]
 *
 * Scenarios: see --help. Writes reports/<timestamp>/REPORT.md, results.json and SVG charts, prints
 * progress on stderr and the report's path on stdout. Exit 0 when every scenario ran, 1 when one
 * failed (its error is in the report), 2 when the bench refused to start (e.g. the gateway is down).
 */
import { SCENARIOS } from './scenarios';
import { BenchRefused, runBench } from './run';

const USAGE = `usage: bench/cli.ts <scenario...|all> [--quick] [--out <dir>]
  scenarios:
${SCENARIOS.map((s) => `    ${s.name.padEnd(12)} ${s.summary}`).join('\n')}
    all          every scenario above (baselines always run first: every figure is also a ratio to them)
  --quick        tiny sizes (seconds in all): for the smoke test and for trying things on a busy machine
  --out <dir>    where the report goes (default reports/<timestamp>)
  The stack is found like the tests find it: BRIGADEIRO_HOME, BRIGADEIRO_PORT_OFFSET, BRIGADEIRO_PORT_*.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const out = argv.indexOf('--out');
  if (out >= 0 && !argv[out + 1]) {
    console.error('--out needs a folder\n' + USAGE);
    return 2;
  }
  const outDir = out >= 0 ? argv[out + 1] : undefined;
  const names = argv.filter((a, i) => !a.startsWith('--') && !(out >= 0 && i === out + 1));
  try {
    const { reportFile, summary } = await runBench({ scenarios: names, quick: argv.includes('--quick'), outDir });
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
    if (err instanceof BenchRefused) {
      console.error(`bench: ${err.message}`);
      if (names.length === 0) console.error(USAGE);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
