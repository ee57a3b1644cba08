/**
 * The compose files' generator and checker:
 *   tsx scripts/cli/compose.ts generate  -> writes docker-compose.yml, docker-compose.failover.yml, .env.example,
 *                                           services/<name>/Dockerfile from packages/topology (infra/compose/model.ts)
 *   tsx scripts/cli/compose.ts check     -> says which of them are stale, then resolves docker-compose.yml (alone,
 *                                           and with docker-compose.failover.yml) with `docker-compose config` and
 *                                           runs the consistency checks (infra/compose/check.ts); exit 1 on any problem.
 *   tsx scripts/cli/compose.ts env [FILE] -> writes FILE (default .env at the repository root) with random secrets;
 *                                           an existing file is left alone (exit 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@brigadeiro/topology';
import { checkCompose, checkFailoverOverride } from '../../infra/compose/check';
import { generatedFiles, privateEnv, staleFiles } from '../../infra/compose/model';
import { parse, runCli, UsageError } from './args';

const USAGE = `usage: compose.ts generate | check | env [FILE]
  generate     write the compose files, .env.example and the Dockerfiles from packages/topology
  check        say which of them are stale, resolve them with docker-compose config, run the consistency checks
  env [FILE]   write FILE (default .env) with random secrets; an existing file is left alone`;

function main(argv: string[]): number {
  const { positionals } = parse(argv, {}, true);
  const [command, ...rest] = positionals;
  if (command !== 'generate' && command !== 'check' && command !== 'env') {
    throw new UsageError(command === undefined ? 'name a command: generate, check or env' : `unknown command "${command}"`);
  }
  if (rest.length > (command === 'env' ? 1 : 0)) throw new UsageError(`unexpected argument "${rest.at(-1)}"`);
  if (command === 'generate') {
    for (const [rel, text] of Object.entries(generatedFiles())) {
      fs.writeFileSync(path.join(REPO_ROOT, rel), text);
      console.log(`compose: wrote ${rel}`);
    }
    return 0;
  }
  if (command === 'check') {
    const stale = staleFiles();
    for (const s of stale) console.log(`stale: ${s} (run: npx tsx scripts/cli/compose.ts generate)`);
    const problems = [...checkCompose(), ...checkFailoverOverride()];
    for (const p of problems) console.log(`problem: ${p}`);
    if (!stale.length && !problems.length) console.log('compose: docker-compose.yml (alone and with docker-compose.failover.yml) resolves and agrees with the native topology');
    return stale.length || problems.length ? 1 : 0;
  }
  const file = path.resolve(REPO_ROOT, rest[0] ?? '.env');
  if (fs.existsSync(file)) {
    console.error(`compose: ${file} exists; nothing written (remove it first to get new secrets)`);
    return 1;
  }
  fs.writeFileSync(file, privateEnv(), { mode: 0o600 });
  console.log(`compose: wrote ${file} with a random admin token and database passwords`);
  return 0;
}

runCli('compose', USAGE, main);
