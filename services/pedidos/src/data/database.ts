/** pedidos' own database: its generated Prisma client with the shared failover policy (@brigadeiro/db openPrismaDatabase). */
import { openPrismaDatabase, type PgPoolOptions, type PrismaDatabase } from '@brigadeiro/db';
import { PrismaClient } from '../generated/prisma/client';

export { Prisma } from '../generated/prisma/client';

export type Database = PrismaDatabase<PrismaClient>;

/** Connects lazily; the repository passes its own retry window to `run` (see PEDIDOS_DB_RETRY). */
export function openDatabase(url: string, opts: Pick<PgPoolOptions, 'max' | 'onIdleError'> = {}): Database {
  return openPrismaDatabase(PrismaClient, url, { service: 'pedidos', ...opts });
}
