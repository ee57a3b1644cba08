/**
 * catalogo's configuration: the variables every service gets plus its two database endpoints
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint (HAProxy -> current primary): admin edits and stock changes. */
  DATABASE_URL: postgresUrl,
  /** Read-only endpoint (HAProxy -> replica, falling back to the primary): every catalogue read. */
  DATABASE_READ_URL: postgresUrl,
  /** Connections per pool (one pool per endpoint). */
  DATABASE_POOL_MAX: databasePoolMax,
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
