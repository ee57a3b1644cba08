/**
 * catalogo's two database clients, through @brigadeiro/db: `write`, Prisma 7 (pg driver adapter) on the
 * read-write endpoint (HAProxy -> primary), with `writePg`, the pg pool under it; `read`, a plain pg pool on
 * the read-only one (HAProxy -> replica, falling back to the primary).
 *
 * Why reads skip Prisma: every read is one hand-written SQL statement that already returns JSON, so Prisma
 * only added its per-query cost (over twice raw pg's on a trivial query, measured here) on the
 * hottest path of the marketplace. pg also lets a read be a named prepared statement (parsed and planned
 * once per connection) and hand back the database's JSON text untouched. The same goes for the stock
 * reservation, on every checkout: one call of a database function on `writePg` (migrations/004).
 */
import type { Pool, QueryConfig, QueryResultRow } from 'pg';
import { type DbRetryOptions, closePrismaAndPool, createPgPool, createPrismaClientAndPool, failedBeforeSend, isRetryableDbError, withDbRetry } from '@brigadeiro/db';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { PrismaClient } from '../generated/prisma/client';

export { Prisma } from '../generated/prisma/client';

export interface CatalogoDb {
  write: PrismaClient;
  /** The pg pool `write` runs on (same endpoint and connections), for the statements sent raw. */
  writePg: Pool;
  read: Pool;
}

export interface CatalogoDbOptions {
  writeUrl: string;
  readUrl: string;
  /** Connections per pool. Default 10. */
  poolMax?: number;
  /** An idle pooled connection failed (e.g. during a failover); the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

/** Read connections are replaced after this long (a reconnect and a re-prepare per connection, 10 per 30 s). */
export const READ_CONNECTION_LIFETIME_S = 30;

/** Opens nothing yet: each pool connects on first use. */
export function createCatalogoDb(opts: CatalogoDbOptions): CatalogoDb {
  const common = { max: opts.poolMax ?? 10, ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}) };
  const { prisma, pool } = createPrismaClientAndPool(PrismaClient, opts.writeUrl, { ...common, applicationName: 'catalogo-rw' });
  return {
    write: prisma,
    writePg: pool,
    // HAProxy moves reads back to a returning replica by cutting the primary's stand-in sessions; the
    // lifetime is the second line: no read connection outlives it on whatever node it first reached.
    read: createPgPool(opts.readUrl, { ...common, applicationName: 'catalogo-ro', maxLifetimeSeconds: READ_CONNECTION_LIFETIME_S }),
  };
}

export async function closeCatalogoDb(db: CatalogoDb): Promise<void> {
  await Promise.allSettled([closePrismaAndPool(db.write, db.writePg), db.read.end()]);
}

/**
 * A read statement: `name` makes it a named prepared statement, so each pooled connection parses and plans
 * it once, then only binds values (one name per distinct SQL text: pg refuses a name reused with another
 * text).
 */
export type Leitura = QueryConfig & { name: string };

/** The single row of a read statement on the read-only pool. */
export async function lerLinha<T extends QueryResultRow>(read: Pool, consulta: Leitura): Promise<T> {
  const { rows } = await read.query<T>(consulta);
  const [linha] = rows;
  if (!linha) throw new Error(`read ${consulta.name} returned no row`);
  return linha;
}

/** Readiness probes: one `SELECT 1` on each endpoint. */
export function databaseChecks(db: CatalogoDb): Record<string, () => Promise<unknown>> {
  return {
    database_rw: () => db.write.$queryRaw`SELECT 1`,
    database_ro: () => db.read.query('SELECT 1'),
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
