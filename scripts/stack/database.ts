/**
 * Database bootstrap, migrations and seed, owned by scripts/db (roles and databases per service, plain
 * SQL migrations, reference data). The stack calls it once HAProxy routes to a synchronous pair; all
 * three steps are idempotent, so every start runs them.
 */
import type { StackContext } from './context';
import { withTimeout } from './probe';

export async function prepareDatabases(ctx: StackContext): Promise<void> {
  // Loaded on demand: `status` and `stop` do not need the migration and seed machinery.
  const db = await import('../db/index');
  await withTimeout('database bootstrap', db.bootstrapDatabases(ctx.t), 120_000, 'haproxy');
  await withTimeout('database migrations', db.migrateAll(ctx.t), 180_000, 'haproxy');
  await withTimeout('database seed', db.seedAll(ctx.t), 180_000, 'haproxy');
}
