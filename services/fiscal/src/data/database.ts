/** fiscal's own database: one pg pool (packages/db defaults: connect timeout 2 s, keep-alive). */
import { createPgPool } from '@brigadeiro/db';
import type { Pool } from 'pg';

export interface Database {
  pool: Pool;
  /** Resolves when the database answers `SELECT 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function openDatabase(url: string, opts: { max?: number; onIdleError?: (err: Error) => void } = {}): Database {
  const pool = createPgPool(url, { applicationName: 'fiscal', ...opts });
  return {
    pool,
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
