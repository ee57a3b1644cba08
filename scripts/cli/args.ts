/**
 * The one command-line parser of the operator tools (scripts/cli/*.ts, bench/cli.ts): node:util parseArgs in
 * strict mode, so a misspelt option (`npm start -- --sacle carrinho=5`) is an error with the usage instead of
 * being ignored, and every tool answers a usage error the same way: a line naming the mistake, the usage, exit 2.
 *
 *   runCli('stack', USAGE, (argv) => { const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, true); ... });
 *
 * -h/--help is understood by every tool (usage on stdout, exit 0). Parse and check everything before acting:
 * a UsageError thrown once something was started would still exit 2, but only after the harm.
 */
import { inspect, parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: runCli prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

/** -h or --help was given: runCli prints the usage on stdout and exits 0. */
class HelpRequested extends Error {}

/** An error's message; duck-typed, as an error from another realm (jest's sandbox) fails instanceof Error. */
function message(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;

/**
 * Strict parse of argv: options other than `options` (and -h/--help), a missing option value, or a positional
 * where `positionals` is false throw a UsageError; -h/--help throws HelpRequested.
 */
export function parse<O extends Options>(argv: string[], options: O, positionals = false): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, ...HELP }, strict: true, allowPositionals: positionals }) as Parsed<O>;
  } catch (e) {
    // node's hint after "Unknown option '--x'" (put it after `--` as a positional) misleads: no tool wants that.
    throw new UsageError(message(e).replace(/^(Unknown option '[^']*')\..*$/s, '$1'), { cause: e });
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  return parsed;
}

/**
 * Runs a tool's main on process.argv and exits with its code: 2 with the usage on a UsageError, 0 with the
 * usage on -h/--help, 1 with `<tool>: <message>` on any other error (`describe` can say more, e.g. a stack).
 */
export function runCli(tool: string, usage: string, main: (argv: string[]) => number | Promise<number>, describe: (e: unknown) => string = message): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        if (e instanceof HelpRequested) {
          process.stdout.write(usage + '\n');
          process.exit(0);
        }
        if (e instanceof UsageError) {
          process.stderr.write(`${tool}: ${e.message}\n${usage}\n`);
          process.exit(2);
        }
        process.stderr.write(`${tool}: ${describe(e)}\n`);
        process.exit(1);
      },
    );
}

/** For tools whose unexpected failures deserve the whole error (stack, cause), as console.error prints it. */
export const fullError = (e: unknown) => inspect(e);
