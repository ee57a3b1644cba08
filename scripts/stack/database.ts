/**
 * Database bootstrap, migrations and seed, owned by scripts/db (roles and databases per service, plain
 * SQL migrations, reference data). The stack only calls it once HAProxy routes to a synchronous pair.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type Topology } from '@brigadeiro/topology';
import type { StackContext } from './context';

interface DbModule {
  bootstrapDatabases(t: Topology): Promise<unknown>;
  migrateAll(t: Topology): Promise<unknown>;
  seedAll(t: Topology): Promise<unknown>;
}

export async function prepareDatabases(ctx: StackContext): Promise<boolean> {
  const file = path.join(REPO_ROOT, 'scripts', 'db', 'index.ts');
  if (!fs.existsSync(file)) {
    ctx.say('  warning: scripts/db/index.ts does not exist yet: databases not bootstrapped, migrated nor seeded');
    return false;
  }
  const db = (await import(file)) as DbModule;
  await db.bootstrapDatabases(ctx.t);
  await db.migrateAll(ctx.t);
  await db.seedAll(ctx.t);
  return true;
}
