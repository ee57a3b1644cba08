/**
 * The two Prisma clients (Prisma 7 + pg driver adapter, through @brigadeiro/db): `write` on the read-write
 * endpoint (HAProxy -> primary), `read` on the read-only one (HAProxy -> replica, falling back to the primary).
 */
import { type DbRetryOptions, createPrismaClient, failedBeforeSend, isRetryableDbError, withDbRetry } from '@brigadeiro/db';
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
 * Retry policies through a failover (packages/db withDbRetry). Reads and idempotent writes retry any
 * retryable error; 4 s keeps a read under nginx's 5 s catalogo timeout (past it the gateway serves its
 * stale cache). A non-idempotent write (create, stock change) retries only errors proving it never ran.
 */
export const RETRY_LEITURA: DbRetryOptions = { windowMs: 4_000 };
export const RETRY_IDEMPOTENTE: DbRetryOptions = { windowMs: 8_000 };
export const RETRY_NAO_IDEMPOTENTE: DbRetryOptions = { windowMs: 8_000, retryIf: failedBeforeSend };

/**
 * Runs a database call, retried per `retry` when given (see the policies above); an unreachable database
 * (or one being failed over) that outlasts the retries becomes a fast 503 with Retry-After, anything else
 * propagates unchanged.
 */
export async function noBanco<T>(fn: () => Promise<T>, retry?: DbRetryOptions): Promise<T> {
  try {
    return retry ? await withDbRetry(fn, retry) : await fn();
  } catch (err) {
    if (isRetryableDbError(err)) throw new ServiceUnavailableError('the catalogue database is unavailable; retry shortly', 1);
    throw err;
  }
}
