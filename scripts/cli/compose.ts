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

function main(argv: string[]): number {
  if (argv[0] === 'generate') {
    for (const [rel, text] of Object.entries(generatedFiles())) {
      fs.writeFileSync(path.join(REPO_ROOT, rel), text);
      console.log(`compose: wrote ${rel}`);
    }
    return 0;
  }
  if (argv[0] === 'check') {
    const stale = staleFiles();
    for (const s of stale) console.log(`stale: ${s} (run: npx tsx scripts/cli/compose.ts generate)`);
    const problems = [...checkCompose(), ...checkFailoverOverride()];
    for (const p of problems) console.log(`problem: ${p}`);
    if (!stale.length && !problems.length) console.log('compose: docker-compose.yml (alone and with docker-compose.failover.yml) resolves and agrees with the native topology');
    return stale.length || problems.length ? 1 : 0;
  }
  if (argv[0] === 'env' && argv.length <= 2) {
    const file = path.resolve(REPO_ROOT, argv[1] ?? '.env');
    if (fs.existsSync(file)) {
      console.error(`compose: ${file} exists; nothing written (remove it first to get new secrets)`);
      return 1;
    }
    fs.writeFileSync(file, privateEnv(), { mode: 0o600 });
    console.log(`compose: wrote ${file} with a random admin token and database passwords`);
    return 0;
  }
  console.error('usage: compose.ts generate | check | env [FILE]');
  return 2;
}

process.exit(main(process.argv.slice(2)));
