/**
 * pedidos' configuration: the variables every service gets plus its database and the base URLs of its downstreams
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, parseConfig } from '@brigadeiro/config';

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// URL' });

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint of pedidos' own database (HAProxy -> current primary). */
  DATABASE_URL: postgresUrl,
  /** Connections in the pool. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Base URL of catalogo (product data for the order). */
  CATALOGO_URL: httpUrl,
  /** Base URL of carrinho (the cart being checked out). */
  CARRINHO_URL: httpUrl,
  /** Base URL of pagamentos (authorise and void payments). */
  PAGAMENTOS_URL: httpUrl,
  /** Base URL of estoque (separate and release the items). */
  ESTOQUE_URL: httpUrl,
  /** Base URL of fiscal (issue the nota fiscal). */
  FISCAL_URL: httpUrl,
  /** Base URL of logistica (create the shipment). */
  LOGISTICA_URL: httpUrl,
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
