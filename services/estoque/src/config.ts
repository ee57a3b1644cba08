/**
 * estoque's configuration: the variables every service gets plus its database and the base URL of catalogo
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, httpUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint of estoque's own database (HAProxy -> current primary). */
  DATABASE_URL: postgresUrl,
  /** Connections in the pool. */
  DATABASE_POOL_MAX: databasePoolMax,
  /** Base URL of catalogo, which owns the stock (reservations). */
  CATALOGO_URL: httpUrl,
  /** Per-call timeout to catalogo (axios and breaker). */
  ESTOQUE_CATALOGO_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  /** How long catalogo's breaker stays open before a trial call. */
  ESTOQUE_CATALOGO_RESET_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
