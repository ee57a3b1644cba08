/**
 * Entry point of the compose tools image (infra/compose/Dockerfile), with BRIGADEIRO_NETWORK=compose:
 *   render <dir>  -> every configuration file of the compose stack, from the infra/ templates (infra/compose/render.ts);
 *   db            -> bootstrapDatabases, migrateAll, seedAll (scripts/db, the same code as `npm run db:seed`),
 *                    retried while HAProxy has no primary to route to yet.
 * It runs the database tools of scripts/db, so it lives in scripts/ (infra/ holds only templates and renderers).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadTopology, superuserUrl } from '@brigadeiro/topology';
import { bootstrapDatabases, migrateAll, seedAll } from '../db';
import { renderComposeConfigs } from '../../infra/compose/render';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function composeTopology() {
  const t = loadTopology();
  if (!t.network) throw new Error('BRIGADEIRO_NETWORK=compose is not set: this tool runs inside the compose stack only');
  return t;
}

function render(dir: string | undefined): void {
  if (!dir) throw new Error('usage: tools-image.ts render <dir>');
  const files = renderComposeConfigs(composeTopology());
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    // Write then rename: a component restarting meanwhile never reads half a file.
    const target = path.join(dir, name);
    fs.writeFileSync(`${target}.tmp`, text, { mode: 0o644 });
    fs.renameSync(`${target}.tmp`, target);
    say(`config: wrote ${target}`);
  }
}

async function db(): Promise<void> {
  const t = composeTopology();
  say(`database: ${superuserUrl(t).replace(/:[^:@/]*@/, ':***@')}`);
  const deadline = Date.now() + 180_000;
  for (let attempt = 1; ; attempt++) {
    try {
      const boot = await bootstrapDatabases(t);
      say(`bootstrap: roles created [${boot.rolesCreated.join(', ')}], databases created [${boot.databasesCreated.join(', ')}]`);
      break;
    } catch (e) {
      // Right after the cluster starts, HAProxy may still be waiting for Patroni to name a primary.
      if (Date.now() > deadline) throw e;
      say(`bootstrap: attempt ${attempt} failed (${e instanceof Error ? e.message : String(e)}); retrying in 2 s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const migrated = await migrateAll(t);
  for (const [svc, r] of Object.entries(migrated)) say(`migrate ${svc}: version ${r.before} -> ${r.after}`);
  const { seeded } = await seedAll(t);
  say(seeded ? 'seed: inserted' : 'seed: already there, nothing inserted');
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'render') return render(argv[1]);
  if (argv[0] === 'db') return db();
  throw new Error('usage: tools-image.ts render <dir> | db');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`compose: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
