/**
 * `npm run db:migrate` -> bootstrap roles and databases, apply every service's migrations.
 * `npm run db:seed`    -> the same, then the seed (idempotent: a second run inserts nothing).
 * `npm run db:seed -- --reset` -> the same, but every table and cart is emptied first: back to the seed.
 * Talks to the running stack's PostgreSQL through HAProxy's read-write port (see packages/topology).
 */
import { parseArgs } from 'node:util';
import { superuserUrl } from '@brigadeiro/topology';
import { bootstrapDatabases, migrateAll, resetData, seedAll } from '../db';
import { topologyOfRunningStack } from '../stack/state';

async function main(argv: string[]): Promise<number> {
  const usage = 'usage: db migrate | db seed [--reset]\n';
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { reset: { type: 'boolean', default: false } } });
  } catch (err) {
    process.stderr.write(`db: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const [command, ...extra] = parsed.positionals;
  const reset = parsed.values.reset === true;
  if ((command !== 'migrate' && command !== 'seed') || extra.length || (reset && command !== 'seed')) {
    process.stderr.write(usage);
    return 2;
  }
  // The ports the running stack was started with (stack.json), even if this shell's environment differs.
  const t = topologyOfRunningStack();
  const where = superuserUrl(t).replace(/:[^:@/]*@/, ':***@');
  console.log(`database: ${where}`);

  const boot = await bootstrapDatabases(t);
  console.log(`bootstrap: roles created [${boot.rolesCreated.join(', ')}], databases created [${boot.databasesCreated.join(', ')}]`);

  const migrated = await migrateAll(t);
  for (const [svc, r] of Object.entries(migrated)) {
    console.log(`migrate ${svc}: version ${r.before} -> ${r.after}${r.applied.length ? ` (applied ${r.applied.join(', ')})` : ' (up to date)'}`);
  }

  if (command === 'seed') {
    if (reset) {
      const r = await resetData(t);
      console.log(`reset: emptied ${r.tables} tables in ${migrated ? Object.keys(migrated).length : 0} databases and ${r.carts} carts`);
    }
    const { seeded, inserted } = await seedAll(t);
    const rows = Object.entries(inserted).filter(([, n]) => n > 0).map(([table, n]) => `${table} ${n}`);
    console.log(seeded ? `seed: inserted ${rows.join(', ')}` : 'seed: already there, nothing inserted');
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { message?: string; code?: string };
    process.stderr.write(`db: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}\n`);
    process.exit(1);
  },
);
