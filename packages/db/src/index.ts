/**
 * Data-access plumbing shared by the services and the operator tools: a pg pool with sane defaults, a Prisma
 * client on top of it (Prisma 7 + @prisma/adapter-pg), the classification of errors worth retrying after a
 * failover, and the migration runner (postgrator, plain SQL in services/<svc>/migrations).
 *
 * Nothing here connects at import time.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Pool, type PoolConfig } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

export interface PgPoolOptions {
  /** Most connections the pool opens. Default 10. */
  max?: number;
  /** Close a connection idle this long (ms). Default 10 000. */
  idleTimeoutMillis?: number;
  /**
   * Close a connection once it is this old (s), when next idle; 0 = never. Default 0. A pool kept busy never
   * hits the idle timeout, so this bounds how long its connections stay where a proxy first sent them.
   */
  maxLifetimeSeconds?: number;
  /** Give up opening a connection after this long (ms): fail fast when the primary is gone. Default 2 000. */
  connectionTimeoutMillis?: number;
  /** Cancel a statement that runs longer than this (ms, server side); 0 = no limit. Default 0. */
  statementTimeoutMillis?: number;
  /** TCP keep-alive, so a dead peer behind HAProxy is noticed. Default true. */
  keepAlive?: boolean;
  /** Shown in pg_stat_activity. Default `brigadeiro`. */
  applicationName?: string;
  /**
   * Called when an idle pooled client errors (e.g. the server restarted during a failover). The pool drops
   * the client and opens a new one on next use; without a listener the 'error' event would crash the
   * process. Default: ignore.
   */
  onIdleError?: (err: Error) => void;
}

/** The pg.PoolConfig `createPgPool` uses (exposed for adapters that want a config rather than a pool). */
export function pgPoolConfig(url: string, opts: PgPoolOptions = {}): PoolConfig {
  return {
    connectionString: url,
    max: opts.max ?? 10,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 10_000,
    ...(opts.maxLifetimeSeconds ? { maxLifetimeSeconds: opts.maxLifetimeSeconds } : {}),
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 2_000,
    keepAlive: opts.keepAlive ?? true,
    application_name: opts.applicationName ?? 'brigadeiro',
    ...(opts.statementTimeoutMillis ? { statement_timeout: opts.statementTimeoutMillis } : {}),
  };
}

/**
 * A pg Pool for `url` with the defaults above (max 10, idle 10 s, connect timeout 2 s, keep-alive,
 * application_name "brigadeiro") and an 'error' listener, so an idle client's error never crashes the process.
 */
export function createPgPool(url: string, opts: PgPoolOptions = {}): Pool {
  const pool = new Pool(pgPoolConfig(url, opts));
  const onIdleError = opts.onIdleError ?? (() => {});
  pool.on('error', (err) => onIdleError(err));
  return pool;
}

/** What a generated PrismaClient class accepts: we only pass the driver adapter. */
export type PrismaClientClass<T> = new (options: { adapter: PrismaPg }) => T;

/**
 * `new PrismaClient({ adapter: new PrismaPg(pool) })` over a pool made by `createPgPool(url, opts)`.
 * `$disconnect()` ends that pool too. Pass the PrismaClient class of the service's generated client:
 * `createPrismaClient(PrismaClient, config.DATABASE_URL, { applicationName: 'catalogo' })`.
 */
export function createPrismaClient<T>(PrismaClient: PrismaClientClass<T>, url: string, opts: PgPoolOptions = {}): T {
  return createPrismaClientAndPool(PrismaClient, url, opts).prisma;
}

/** `createPrismaClient`, also handing back the pg pool under it (for the few statements a hot path sends raw). */
export function createPrismaClientAndPool<T>(PrismaClient: PrismaClientClass<T>, url: string, opts: PgPoolOptions = {}): { prisma: T; pool: Pool } {
  const pool = createPgPool(url, opts);
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    ...(opts.onIdleError ? { onPoolError: opts.onIdleError, onConnectionError: opts.onIdleError } : {}),
  });
  return { prisma: new PrismaClient({ adapter }), pool };
}

/**
 * Disconnects a client made by `createPrismaClientAndPool` and ends its pool. `$disconnect` ends the pool
 * only when Prisma itself ever connected: a process that only sent raw statements on the pool would otherwise
 * keep the pool's idle connections open (and its event loop alive) for the idle timeout after shutdown.
 */
export async function closePrismaAndPool(prisma: { $disconnect(): Promise<void> }, pool: Pool): Promise<void> {
  await prisma.$disconnect();
  if (!pool.ending) await pool.end();
}

/**
 * SQLSTATEs after which the same statement may succeed on a retry: the server is read-only because it is a
 * replica or being promoted (25006), was shut down or is starting (57P01, 57P02, 57P03), or the connection
 * failed or was lost (class 08). A retried write must be idempotent: one that failed mid-commit has an
 * unknown outcome.
 */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['25006', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Node socket errors meaning the database could not be reached or the connection dropped. */
export const RETRYABLE_NODE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Prisma error codes that mean "the database was not reachable or dropped us": P1001 can't reach server,
 * P1002 timed out, P1017 server closed the connection, P2024 timed out waiting for a pooled connection.
 */
export const RETRYABLE_PRISMA_CODES: ReadonlySet<string> = new Set(['P1001', 'P1002', 'P1017', 'P2024']);

// Messages pg and the adapter produce without any code attached to the error.
const RETRYABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection due to administrator command/i,
  /cannot execute \w+ in a read-only transaction/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Client has encountered a connection error and is not queryable/i,
  /Can't reach database server/i,
];

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

/**
 * True when `err` says the database was unreachable, dropped the connection, or is read-only during a
 * failover: retry with backoff. Understands pg errors (`code` = SQLSTATE), Node socket errors (also inside
 * an AggregateError, as `net` reports a refused connection to a host with several addresses), and Prisma's
 * wrapped forms (PrismaClientKnownRequestError with `code` P1001/P1017/... or with the original error under
 * `meta.driverAdapterError.cause` carrying `originalCode`, and PrismaClientInitializationError/
 * PrismaClientUnknownRequestError whose message names the cause). Constraint violations, syntax errors and
 * the like are not retryable.
 */
export function isRetryableDbError(err: unknown, depth = 0): boolean {
  const e = asRecord(err);
  if (!e || depth > 5) return false;
  for (const key of ['code', 'originalCode', 'errorCode', 'kind'] as const) {
    const code = e[key];
    if (typeof code === 'string' && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_NODE_CODES.has(code) || RETRYABLE_PRISMA_CODES.has(code))) {
      return true;
    }
  }
  // Driver-adapter error kinds (Prisma 7): {kind: 'DatabaseNotReachable' | 'ConnectionClosed' | 'SocketTimeout' | ...}
  if (typeof e.kind === 'string' && /^(DatabaseNotReachable|ConnectionClosed|SocketTimeout)$/.test(e.kind)) {
    return true;
  }
  if (typeof e.message === 'string' && RETRYABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  const nested: unknown[] = [e.cause, asRecord(e.meta)?.driverAdapterError, asRecord(asRecord(e.meta)?.driverAdapterError)?.cause];
  if (Array.isArray(e.errors)) nested.push(...e.errors);
  return nested.some((n) => n !== undefined && n !== err && isRetryableDbError(n, depth + 1));
}

/**
 * The SQLSTATE of a database error, whether it comes from pg (`code`) or from Prisma with the pg adapter
 * (`meta.driverAdapterError.cause.originalCode`), e.g. '23514' for a CHECK violation such as negative
 * stock, '23505' for a duplicate key. Undefined when there is none.
 */
export function sqlState(err: unknown): string | undefined {
  const e = asRecord(err);
  if (!e) return undefined;
  const cause = asRecord(asRecord(asRecord(e.meta)?.driverAdapterError)?.cause);
  if (typeof cause?.originalCode === 'string') return cause.originalCode;
  if (typeof cause?.code === 'string' && /^[0-9A-Z]{5}$/.test(cause.code)) return cause.code;
  // Prisma's own codes (P1001, P2002...) look like SQLSTATEs (PL/pgSQL's P0001 is one): tell them apart by
  // the error, not the code.
  const isPrisma = cause !== undefined || e.meta !== undefined || typeof e.clientVersion === 'string' || /^Prisma/.test(String(e.name));
  if (!isPrisma && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return e.cause !== undefined && e.cause !== err ? sqlState(e.cause) : undefined;
}

export interface MigrationResult {
  /** schemaversion before and after. */
  before: number;
  after: number;
  /** File names applied by this run, in order (empty when the database was up to date). */
  applied: string[];
}

export interface MigrationJob {
  /** Connection string of the role that must own the tables (the service's own role). */
  url: string;
  /** Folder of postgrator files: 001.do.<name>.sql, 002.do.<name>.sql... */
  dir: string;
  applicationName?: string;
}

const RUNNER = path.join(__dirname, 'migrate-runner.mjs');

/**
 * Applies the postgrator migrations of each job, in order, each job in ONE transaction (schema table
 * `schemaversion`, checksums validated, an advisory lock so concurrent runs take turns). Runs in a child
 * `node` process because postgrator 8 is ESM-only and jest's CommonJS runtime cannot load it.
 * Rejects with the first failure (message names the job's folder); earlier jobs stay applied.
 */
export function runMigrationsMany(jobs: MigrationJob[]): Promise<MigrationResult[]> {
  const input = JSON.stringify(jobs.map((j) => ({ url: j.url, dir: path.resolve(j.dir), applicationName: j.applicationName ?? 'brigadeiro-migrate' })));
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [RUNNER], { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      let out: { ok: boolean; results: MigrationResult[]; error?: { message: string; code?: string } } | undefined;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = undefined;
      }
      if (out?.ok) return resolve(out.results);
      const failed = jobs[out?.results.length ?? 0];
      const why = out?.error ? `${out.error.message}${out.error.code ? ` (${out.error.code})` : ''}` : (error?.message ?? 'no output') + (stderr ? `\n${stderr}` : '');
      const err = new Error(`migration of ${failed ? failed.dir : 'database'} failed: ${why}`) as Error & { code?: string; results?: MigrationResult[] };
      if (out?.error?.code) err.code = out.error.code;
      err.results = out?.results ?? [];
      reject(err);
    });
    child.stdin?.end(input);
  });
}

/** `runMigrationsMany` for one database: applies `migrationsDir` to `url` and says what it applied. */
export async function runMigrations(url: string, migrationsDir: string): Promise<MigrationResult> {
  const [result] = await runMigrationsMany([{ url, dir: migrationsDir }]);
  if (!result) throw new Error('migration runner returned no result');
  return result;
}

/** Retrying database work through a failover: withDbRetry, failedBeforeSend (see ./retry.ts). */
export { DB_RETRY_DEFAULTS, type DbRetryOptions, failedBeforeSend, withDbRetry } from './retry';

/** A service's own database through Prisma with the shared failover policy (see ./prisma-database.ts). */
export { openPrismaDatabase, PRISMA_DATABASE_RETRY, type PrismaDatabase, type PrismaDatabaseOptions, type PrismaLike, statementName, violatedConstraint, type Operacao, operacaoData, jsonParam, comOperacao } from './prisma-database';
