/**
 * A service's own database through Prisma (Prisma 7 + pg driver adapter), with the failover policy every
 * service shares: database work retried through a failover (withDbRetry), and a database still unreachable
 * after the window turned into a fast 503 with Retry-After, never a 500.
 */
import { createHash } from 'node:crypto';
import type { QueryResultRow } from 'pg';
import type { InputJsonValue } from '@prisma/client/runtime/client';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { closePrismaAndPool, createPrismaClientAndPool, isRetryableDbError, type PgPoolOptions, type PrismaClientClass } from './index';
import { type DbRetryOptions, withDbRetry } from './retry';

/** What `openPrismaDatabase` needs of a generated PrismaClient. */
export interface PrismaLike {
  $queryRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<unknown>;
  $disconnect(): Promise<void>;
}

export interface PrismaDatabaseOptions extends PgPoolOptions {
  /** Named in the 503's message ("the <service> database is unavailable"). Required. */
  service: string;
  /**
   * The retry policy `run` uses when the caller names none. Default `{ windowMs: 8_000 }`: a failover takes
   * 5-6 s with the stack's Patroni timing, and 8 s stays under nginx's upstream timeouts.
   */
  retry?: DbRetryOptions;
}

export interface PrismaDatabase<C extends PrismaLike> {
  /** The service's Prisma client (for repositories; tests may use it to inspect and clean up their rows). */
  prisma: C;
  /**
   * Runs `fn(prisma)` retried through a failover with `retry` (default: the database's policy; `false` for no
   * retry at all). ONLY for work that is safe to repeat: a read, an idempotent write (keyed, or an update
   * guarded by the current state), or a whole `$transaction` that is idempotent as a unit; a non-idempotent
   * write wants `{ retryIf: failedBeforeSend }`. A retryable error that outlasts the window becomes
   * ServiceUnavailableError (503, Retry-After: 1); any other error propagates unchanged.
   */
  run<T>(fn: (prisma: C) => Promise<T>, retry?: DbRetryOptions | false): Promise<T>;
  /**
   * One parameterised SQL statement on the pg pool under the Prisma client, with the same retry and 503 policy
   * as `run` (so the same rule: only a statement safe to repeat). For the few hot-path statements where
   * Prisma's per-query cost shows (PLATFORM.md: ~3x raw pg CPU per query here), and for what Prisma cannot
   * say in one statement (a data-modifying WITH). Rows come as pg gives them: bigint and numeric as strings.
   * The statement is a named prepared statement (`statementName(text)`), so `text` must be a constant: values
   * go in `values`, never into the text.
   */
  query<R extends QueryResultRow>(text: string, values: unknown[], retry?: DbRetryOptions | false): Promise<R[]>;
  /** Resolves when the database answers `SELECT 1` (no retry: readiness must say "not now" at once). */
  ping(): Promise<void>;
  /** Disconnects the client and ends its pool (also when only `query` ever used it). */
  close(): Promise<void>;
}

/** Default retry window of `openPrismaDatabase` (ms). */
export const PRISMA_DATABASE_RETRY: DbRetryOptions = { windowMs: 8_000 };

/**
 * Opens (lazily: nothing connects before the first query) `PrismaClient` on `url` through
 * `createPrismaClient` (pool defaults: max 10, connect timeout 2 s, keep-alive; `applicationName` defaults
 * to `service`), and wraps it with the shared failover policy (see `PrismaDatabase.run`):
 * `openPrismaDatabase(PrismaClient, config.DATABASE_URL, { service: 'fiscal', max: config.DATABASE_POOL_MAX })`.
 */
export function openPrismaDatabase<C extends PrismaLike>(PrismaClient: PrismaClientClass<C>, url: string, opts: PrismaDatabaseOptions): PrismaDatabase<C> {
  const { service, retry: padrao = PRISMA_DATABASE_RETRY, ...pool } = opts;
  const { prisma, pool: pg } = createPrismaClientAndPool(PrismaClient, url, { applicationName: service, ...pool });
  async function run<T>(fn: () => Promise<T>, retry?: DbRetryOptions | false): Promise<T> {
    const politica = retry ?? padrao;
    try {
      return politica === false ? await fn() : await withDbRetry(fn, politica);
    } catch (err) {
      if (isRetryableDbError(err)) throw new ServiceUnavailableError(`the ${service} database is unavailable; retry shortly`, 1);
      throw err;
    }
  }
  return {
    prisma,
    run: (fn, retry) => run(() => fn(prisma), retry),
    query: async <R extends QueryResultRow>(text: string, values: unknown[], retry?: DbRetryOptions | false) =>
      (await run(() => pg.query<R>({ name: statementName(text), text, values }), retry)).rows,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    close: () => closePrismaAndPool(prisma, pg),
  };
}

const statementNames = new Map<string, string>();

/**
 * The prepared-statement name `PrismaDatabase.query` gives a statement text: `s_` and 24 hex digits of its
 * SHA-1, the same in every process. pg prepares a named statement once per pooled connection and then only
 * binds and executes it, so PostgreSQL skips parsing and planning at every call: the checkout's statements
 * are data-modifying WITHs of four or five parts, and the primary's CPU per order fell from 13.7 to 6.9 ms
 * when they became named (docs/BENCHMARKS.md). A new connection (a failover, a pool that grew) prepares
 * again by itself.
 */
export function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * The name of the constraint or index a unique/foreign-key/check violation names, from pg (`constraint`) or
 * from Prisma with the pg adapter (`meta.driverAdapterError.cause.constraint.index`, or `.name`), e.g.
 * 'pedidos_carrinho_ativo_uidx' to tell a partial unique index from the primary key. Undefined when none.
 */
export function violatedConstraint(err: unknown): string | undefined {
  const e = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : undefined;
  if (!e) return undefined;
  if (typeof e.constraint === 'string') return e.constraint;
  const meta = e.meta as { driverAdapterError?: { cause?: { constraint?: unknown } } } | undefined;
  const c = meta?.driverAdapterError?.cause?.constraint as { index?: unknown; name?: unknown } | undefined;
  if (typeof c?.index === 'string') return c.index;
  if (typeof c?.name === 'string') return c.name;
  return undefined;
}

/**
 * One entry of the operation log (table `operacoes`: pedido_id, operacao, resultado, detalhe jsonb) that
 * pagamentos, estoque, fiscal and logistica each keep for audit and for the demos.
 */
export interface Operacao {
  pedido_id: number | null;
  operacao: string;
  resultado: string;
  /** Any JSON value; undefined stores NULL. */
  detalhe?: unknown;
}

/** The Prisma `data` of an `operacoes` row: `prisma.operacao.create({ data: operacaoData(op) })`. */
export function operacaoData(op: Operacao): { pedidoId: number | null; operacao: string; resultado: string; detalhe?: InputJsonValue } {
  return {
    pedidoId: op.pedido_id,
    operacao: op.operacao,
    resultado: op.resultado,
    ...(op.detalhe === undefined ? {} : { detalhe: op.detalhe as InputJsonValue }),
  };
}

/** A jsonb parameter's text for raw SQL: undefined is SQL NULL; anything else as JSON (null included, as Prisma stores it). */
export function jsonParam(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

/**
 * Raw SQL: `mudanca` (an INSERT/UPDATE without RETURNING) run with one `operacoes` row per row it changes, in
 * the same statement (one round trip, one commit), returning `colunas` of the changed rows. Parameters $2
 * operacao, $3 resultado, $4 detalhe (jsonb text, see jsonParam) are the log row's; `mudanca` uses $1 and $5
 * onwards. The changed table must have a `pedido_id` column. No row changed, no log row.
 */
export function comOperacao(mudanca: string, colunas: string): string {
  return `
WITH mudou AS (${mudanca} RETURNING ${colunas}),
registro AS (INSERT INTO operacoes (pedido_id, operacao, resultado, detalhe) SELECT pedido_id, $2::text, $3::text, $4::jsonb FROM mudou)
SELECT ${colunas} FROM mudou`;
}
