/**
 * logistica's configuration: the variables every service gets plus its database
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint of logistica's own database (HAProxy -> current primary). */
  DATABASE_URL: postgresUrl,
  /** Connections in the pool. */
  DATABASE_POOL_MAX: databasePoolMax,
  /** S10 service indicator (two capital letters) of the tracking codes. Default "BG" (Brigadeiro). */
  LOGISTICA_PREFIXO_RASTREIO: z.string().regex(/^[A-Z]{2}$/, 'must be two capital letters').default('BG'),
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
