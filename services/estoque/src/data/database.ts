/** estoque's own database: its generated Prisma client with the shared failover policy (@brigadeiro/db openPrismaDatabase). */
import { openPrismaDatabase, type PgPoolOptions, type PrismaDatabase } from '@brigadeiro/db';
import { PrismaClient } from '../generated/prisma/client';

export { Prisma } from '../generated/prisma/client';

export type Database = PrismaDatabase<PrismaClient>;

/** Connects lazily; `run` retries through a failover for 8 s, then answers 503 (see openPrismaDatabase). */
export function openDatabase(url: string, opts: Pick<PgPoolOptions, 'max' | 'onIdleError'> = {}): Database {
  return openPrismaDatabase(PrismaClient, url, { service: 'estoque', ...opts });
}
