/**
 * pedidos' configuration: the variables every service gets plus its database and the base URLs of its downstreams
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, httpUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint of pedidos' own database (HAProxy -> current primary). */
  DATABASE_URL: postgresUrl,
  /** Connections in the pool. */
  DATABASE_POOL_MAX: databasePoolMax,
  /** Base URL of catalogo (product data for the order). */
  CATALOGO_URL: httpUrl,
  /** Base URL of carrinho (the cart being checked out): the gateway, so any instance answers and nginx retries another. */
  CARRINHO_URL: httpUrl,
  /** Base URL of pagamentos (authorise and void payments). */
  PAGAMENTOS_URL: httpUrl,
  /** Base URL of estoque (separate and release the items). */
  ESTOQUE_URL: httpUrl,
  /** Base URL of fiscal (issue the nota fiscal). */
  FISCAL_URL: httpUrl,
  /** Base URL of logistica (create the shipment). */
  LOGISTICA_URL: httpUrl,
  /**
   * Longest a single downstream call may take (ms); inside a checkout, also at most the time left before its
   * deadline. Longer than a database failover (about 6.5 s with the stack's Patroni timing), which a called
   * service rides through by retrying its database: a shorter timeout would turn that wait into a 503.
   */
  DOWNSTREAM_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(8000),
  /**
   * A checkout's deadline (ms from its arrival): every wait of the chain (pedidos' database retries, each
   * downstream call and, through X-Request-Timeout-Ms, each called service's database retries) ends by then.
   * Below the gateway's 15 s for /api/v1/pedidos, so the client gets pedidos' own answer, not a 504.
   */
  CHECKOUT_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(12_000),
  /** Calls in a breaker's rolling window before it may open. */
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failure percentage in the window that opens a breaker. */
  BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  /** How long an open breaker waits before a half-open trial call (ms); also the 503's Retry-After. */
  BREAKER_RESET_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Queue worker: pause between polls when nothing was due (ms). */
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Queue worker: first retry delay, doubled per attempt (ms). */
  WORKER_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  /** Queue worker: longest retry delay (ms). */
  WORKER_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** A checkout still unfinished this long after it started is resumed or compensated by the worker (ms). */
  CHECKOUT_RESUME_AFTER_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
