/** pagamentos' own database: one pg pool (packages/db defaults: connect timeout 2 s, keep-alive). */
import { createPgPool, isRetryableDbError, withDbRetry } from '@brigadeiro/db';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import type { Pool, QueryResult, QueryResultRow } from 'pg';

/** How long one statement keeps being retried while the database is unreachable (a failover takes 5-6 s). */
const RETRY_WINDOW_MS = 8_000;

/** What the repositories use: one statement at a time. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  pool: Pool;
  /**
   * Runs `fn` in one transaction (BEGIN/COMMIT, ROLLBACK on any error), the whole of it retried through a
   * failover like `query`: only for work that is idempotent as a whole.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when the database answers `SELECT 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SERVICE = 'pagamentos';

export function openDatabase(url: string, opts: { max?: number; onIdleError?: (err: Error) => void } = {}): Database {
  const pool = createPgPool(url, { applicationName: 'pagamentos', ...opts });
  return {
    pool,
    /**
     * Runs one statement, retried through a failover (packages/db withDbRetry). Safe because every statement of
     * this service is idempotent (keyed by pedido_id, or an UPDATE guarded by the current status); the operation
     * log's INSERT is the exception, and a retry there at worst logs a line twice. A database still unreachable
     * after the window is a 503 with Retry-After, never a 500.
     */
    async query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]) {
      try {
        return await withDbRetry(() => pool.query<R>(text, params), { windowMs: RETRY_WINDOW_MS });
      } catch (err) {
        if (isRetryableDbError(err)) throw new ServiceUnavailableError(`the ${SERVICE} database is unavailable; retry shortly`, 1);
        throw err;
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await withDbRetry(async () => {
          const client = await pool.connect();
          let broken: Error | undefined;
          try {
            await client.query('BEGIN');
            const result = await fn({ query: (text, params) => client.query(text, params) });
            await client.query('COMMIT');
            return result;
          } catch (err) {
            await client.query('ROLLBACK').catch((e: Error) => {
              broken = e; // a connection that cannot even roll back is dropped, not reused
            });
            throw err;
          } finally {
            client.release(broken);
          }
        }, { windowMs: RETRY_WINDOW_MS });
      } catch (err) {
        if (isRetryableDbError(err)) throw new ServiceUnavailableError(`the ${SERVICE} database is unavailable; retry shortly`, 1);
        throw err;
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
