/**
 * The two Prisma clients (Prisma 7 + pg driver adapter, through @brigadeiro/db): `write` on the read-write
 * endpoint (HAProxy -> primary), `read` on the read-only one (HAProxy -> replica, falling back to the primary).
 */
import { createPrismaClient, isRetryableDbError } from '@brigadeiro/db';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { PrismaClient } from '../generated/prisma/client';

export { Prisma } from '../generated/prisma/client';

export interface CatalogoDb {
  write: PrismaClient;
  read: PrismaClient;
}

export interface CatalogoDbOptions {
  writeUrl: string;
  readUrl: string;
  /** Connections per pool. Default 10. */
  poolMax?: number;
  /** An idle pooled connection failed (e.g. during a failover); the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

/** Opens nothing yet: each pool connects on first use. */
export function createCatalogoDb(opts: CatalogoDbOptions): CatalogoDb {
  const common = { max: opts.poolMax ?? 10, ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}) };
  return {
    write: createPrismaClient(PrismaClient, opts.writeUrl, { ...common, applicationName: 'catalogo-rw' }),
    read: createPrismaClient(PrismaClient, opts.readUrl, { ...common, applicationName: 'catalogo-ro' }),
  };
}

export async function closeCatalogoDb(db: CatalogoDb): Promise<void> {
  await Promise.allSettled([db.write.$disconnect(), db.read.$disconnect()]);
}

/** Readiness probes: one `SELECT 1` on each endpoint. */
export function databaseChecks(db: CatalogoDb): Record<string, () => Promise<unknown>> {
  return {
    database_rw: () => db.write.$queryRaw`SELECT 1`,
    database_ro: () => db.read.$queryRaw`SELECT 1`,
  };
}

/** The Prisma error code of `err` (P2003, P2025...), if it carries one. */
export function prismaCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs a database call; an unreachable database (or one being failed over) becomes a fast 503 with
 * Retry-After, anything else propagates unchanged.
 */
export async function noBanco<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isRetryableDbError(err)) throw new ServiceUnavailableError('the catalogue database is unavailable; retry shortly', 1);
    throw err;
  }
}
