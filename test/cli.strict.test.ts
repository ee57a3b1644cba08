/**
 * Issue #11 item 6: every command line is parsed strictly (scripts/cli/args.ts), so a misspelt option or a bad
 * value exits 2 with the usage instead of being ignored, and nothing is touched first. No stack needed: each
 * CLI runs as a person runs it (tsx), against an empty state folder, with a port offset the topology refuses,
 * so a CLI that got past its command line would fail (exit 1) before reaching any stack, not act on one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTopology, REPO_ROOT } from '@brigadeiro/topology';
import { parse, UsageError } from '../scripts/cli/args';
import { checkFault } from '../scripts/cli/fault';

const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'brigadeiro-cli-strict-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, BRIGADEIRO_HOME: home, BRIGADEIRO_PORT_OFFSET: 'not-a-number', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const cli = (file: string, ...args: string[]) => run(TSX, [path.join(REPO_ROOT, file), ...args]);

/** What fn threw (jest's toThrow also matches an error's cause, which would hide the message checked here). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The state folder the CLI was given is still empty: nothing was written, started or wiped. */
const untouched = () => expect(fs.readdirSync(home)).toEqual([]);

describe('the parser (scripts/cli/args.ts)', () => {
  it('when an option is known, then its value is typed; an unknown one is a UsageError naming it, without node\'s "--" hint', () => {
    expect(parse(['--out', 'x', 'a'], { out: { type: 'string' } }, true)).toMatchObject({ values: { out: 'x' }, positionals: ['a'] });
    const typo = thrown(() => parse(['--sacle', 'carrinho=5'], { scale: { type: 'string' } }));
    expect(typo).toBeInstanceOf(UsageError);
    expect((typo as Error).message).toBe("Unknown option '--sacle'");
    expect(() => parse(['extra'], {})).toThrow(UsageError);
    expect(() => parse(['--out'], { out: { type: 'string' } })).toThrow(/argument missing/);
  });
});

describe('npm start / stop / status (scripts/start.sh, scripts/cli/stack.ts)', () => {
  it('when npm start gets a misspelt option, then it exits 2 with the usage before building or starting anything', async () => {
    const r = await run('bash', [path.join(REPO_ROOT, 'scripts', 'start.sh'), '--sacle', 'carrinho=5', '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^stack: Unknown option '--sacle'\nusage: stack\.ts start /m);
    // build.ts reports on stderr ("build: 8/8 services bundled"): it must not have run.
    expect(r.stderr).not.toMatch(/^build/m);
    untouched();
  }, 120_000);

  it('when --scale is not carrinho=1..9, then start refuses it, saying why, and touches nothing', async () => {
    const [zero, many, foo, bare] = await Promise.all([
      cli('scripts/cli/stack.ts', 'start', '--scale', 'carrinho=0', '--detach'),
      cli('scripts/cli/stack.ts', 'start', '--scale=carrinho=99', '--detach'),
      cli('scripts/cli/stack.ts', 'start', '--scale', 'foo=2', '--detach'),
      cli('scripts/cli/stack.ts', 'start', '--detach', '--scale'),
    ]);
    expect(zero).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: --scale carrinho=0: expected carrinho=N with N from 1 to 9\nusage: /) });
    expect(many).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: --scale carrinho=99: expected carrinho=N with N from 1 to 9\nusage: /) });
    expect(foo).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: --scale foo=2: only carrinho can be scaled \(--scale carrinho=N\)\nusage: /) });
    expect(bare).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: Option '--scale <value>' argument missing\nusage: /) });
    untouched();
  }, 60_000);

  it('when stop or status get a word they do not take, or no command is named, then each exits 2 with the usage', async () => {
    const [status, stop, none, unknown] = await Promise.all([
      cli('scripts/cli/stack.ts', 'status', '--jsno'),
      cli('scripts/cli/stack.ts', 'stop', '--force'),
      cli('scripts/cli/stack.ts'),
      cli('scripts/cli/stack.ts', 'restart'),
    ]);
    expect(status).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^stack: Unknown option '--jsno'\nusage: stack\.ts /) });
    expect(stop).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: Unknown option '--force'\nusage: /) });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: name a command: start, stop or status\nusage: /) });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/^stack: unknown command "restart"\nusage: /) });
    untouched();
  }, 60_000);

  it('when asked for --help, then the usage goes to stdout with exit 0 and nothing starts', async () => {
    const r = await cli('scripts/cli/stack.ts', 'start', '--help');
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^usage: stack\.ts start \[--detach\] \[--scale carrinho=N\]/) });
    untouched();
  }, 60_000);
});

describe('npm run fault (scripts/cli/fault.ts)', () => {
  const t = loadTopology({ BRIGADEIRO_HOME: os.tmpdir() });

  it('when a fault or its argument is wrong, then checkFault refuses it before anything is broken', () => {
    expect(checkFault(t, 'node-down', ['pg2'])).toBe('pg2');
    expect(checkFault(t, 'etcd-down', [])).toBeUndefined();
    expect(checkFault(t, 'carrinho-kill', [String(t.carrinhoInstances)])).toBe(String(t.carrinhoInstances));
    expect(() => checkFault(t, 'replica-dwon', [])).toThrow(UsageError);
    expect(() => checkFault(t, 'replica-dwon', [])).toThrow(/^unknown fault "replica-dwon"$/);
    expect(() => checkFault(t, 'replica-down', ['pg1'])).toThrow(/^unexpected argument "pg1": replica-down takes none$/);
    expect(() => checkFault(t, 'node-down', [])).toThrow(/expected a node name \(pg1 or pg2\)/);
    expect(() => checkFault(t, 'node-up', ['pg1', 'pg2'])).toThrow(/unexpected argument "pg2": node-up takes one/);
    expect(() => checkFault(t, 'carrinho-kill', [String(t.carrinhoInstances + 1)])).toThrow(/expected a carrinho instance from 1 to/);
    expect(() => checkFault(t, 'carrinho-up', ['1.5'])).toThrow(UsageError);
    expect(() => checkFault(t, 'service-down', ['pedido'])).toThrow(/no service instance "pedido" in this stack \(catalogo, /);
    expect(() => checkFault(t, 'service-up', [])).toThrow(/service-up needs a service instance/);
    expect(() => checkFault(t, 'etcd-up', ['4'])).toThrow(/expected an etcd member from 1 to 3 or "all"/);
    expect(() => checkFault(t, 'toString', [])).toThrow(/unknown fault "toString"/);
  });

  it('when the command line names an unknown fault or option, then it exits 2 with the list of faults', async () => {
    const [unknown, option, none] = await Promise.all([
      cli('scripts/cli/fault.ts', 'replica-dwon'),
      cli('scripts/cli/fault.ts', 'replica-down', '--force'),
      cli('scripts/cli/fault.ts'),
    ]);
    for (const [r, first] of [
      [unknown, 'unknown fault "replica-dwon"'],
      [option, "Unknown option '--force'"],
      [none, 'name a fault'],
    ] as const) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`fault: ${first}\nusage: npm run fault -- <fault>\n  replica-down | replica-up`);
      expect(r.stderr).toContain('etcd-up [N|all]');
    }
    untouched();
  }, 60_000);
});

describe('the other tools', () => {
  it('when chaos, compose, build or bench get a misspelt option, then each exits 2 with "Unknown option" and its usage', async () => {
    const cases: [string, string[], RegExp][] = [
      ['scripts/cli/chaos.ts', ['pagamentos', '--latency=800ms'], /^chaos: Unknown option '--latency'\nusage: npm run chaos -- /],
      ['scripts/cli/compose.ts', ['check', '--fix'], /^compose: Unknown option '--fix'\nusage: compose\.ts generate \| check \| env \[FILE\]/],
      ['scripts/cli/build.ts', ['--watch'], /^build: Unknown option '--watch'\nusage: build\.ts/],
      ['bench/cli.ts', ['all', '--quik'], /^bench: Unknown option '--quik'\nusage: bench\/cli\.ts <scenario\.\.\.\|all>/],
      ['scripts/cli/db.ts', ['seed', '--rest'], /^db: Unknown option '--rest'\nusage: db migrate \| db seed \[--reset\]/],
      ['scripts/cli/failover.ts', ['--laod'], /^failover: Unknown option '--laod'\nusage: scripts\/failover\.sh/],
    ];
    const runs = await Promise.all(cases.map(([file, args]) => cli(file, ...args)));
    runs.forEach((r, i) => {
      expect({ file: cases[i]![0], code: r.code, stdout: r.stdout }).toEqual({ file: cases[i]![0], code: 2, stdout: '' });
      expect(r.stderr).toMatch(cases[i]![2]);
    });
    untouched();
  }, 120_000);

  it('when a command, scenario or argument is wrong, then the tool exits 2 naming it and writes nothing', async () => {
    const envFile = path.join(home, 'secrets.env');
    const cases: [string, string[], RegExp][] = [
      ['scripts/cli/compose.ts', ['env', envFile, 'extra'], /^compose: unexpected argument "extra"\nusage: /],
      ['scripts/cli/compose.ts', ['env', '--force', envFile], /^compose: Unknown option '--force'\nusage: /],
      ['scripts/cli/compose.ts', ['genrate'], /^compose: unknown command "genrate"\nusage: /],
      ['bench/cli.ts', ['baseline'], /^bench: unknown scenario\(s\): baseline; known: baselines, .*, all\nusage: /],
      ['bench/cli.ts', ['all', '--out', ''], /^bench: --out needs a folder\nusage: /],
      ['scripts/cli/chaos.ts', ['pagamentos', 'explode'], /^chaos: unknown fault "explode"\nusage: /],
      ['scripts/cli/db.ts', ['migrate', '--reset'], /^db: --reset goes with seed only\nusage: /],
      ['scripts/cli/failover.ts', ['--runs', '3'], /^failover: --runs 3 needs --rejoin.*\nusage: /],
    ];
    const runs = await Promise.all(cases.map(([file, args]) => cli(file, ...args)));
    runs.forEach((r, i) => {
      expect({ args: cases[i]![1], code: r.code }).toEqual({ args: cases[i]![1], code: 2 });
      expect(r.stderr).toMatch(cases[i]![2]);
    });
    untouched();
  }, 120_000);
});
