/**
 * `npm run db:migrate` -> bootstrap roles and databases, apply every service's migrations.
 * `npm run db:seed`    -> the same, then the seed (idempotent: a second run inserts nothing).
 * `npm run db:seed -- --reset` -> the same, but every table and cart is emptied first: back to the seed.
 * Talks to the running stack's PostgreSQL through HAProxy's read-write port (see packages/topology).
 */
import { superuserUrl } from '@brigadeiro/topology';
import { bootstrapDatabases, migrateAll, resetData, seedAll } from '../db';
import { topologyOfRunningStack } from '../stack/state';
import { parse, runCli, UsageError } from './args';

const USAGE = 'usage: db migrate | db seed [--reset]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { reset: { type: 'boolean' } }, true);
  const [command, ...extra] = positionals;
  const reset = values.reset === true;
  if (command !== 'migrate' && command !== 'seed') throw new UsageError(command === undefined ? 'name a command: migrate or seed' : `unknown command "${command}"`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (reset && command !== 'seed') throw new UsageError('--reset goes with seed only');
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

runCli('db', USAGE, main, (err) => {
  // pg's errors carry their SQLSTATE or errno code, which says more than the message alone.
  const e = err as { message?: string; code?: string };
  return `${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`;
});
