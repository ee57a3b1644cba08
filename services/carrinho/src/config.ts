/**
 * carrinho's configuration: the variables topology.serviceEnv() gives every carrinho instance, plus the
 * cart's own limits and the catalogo breaker's settings (all with defaults, so the orchestrator needs
 * to set none of them).
 */
import { z } from 'zod';
import { baseConfigSchema, parseConfig } from '@brigadeiro/config';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = baseConfigSchema.extend({
  /** redis://host:port of the cart store; every instance shares it, which is what makes them stateless. */
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// URL'),
  /** Base URL of catalogo, asked whether a product exists (and its name and price) when it is added. */
  CATALOGO_URL: z.url({ protocol: /^https?$/ }),
  /**
   * How long a cart command waits for a lost Redis connection to come back (a restart) before answering
   * 503, counted from the outage's start, so a Redis that stays down gets fast 503s after it. Below the
   * gateway's 5 s read timeout. Default 3000 ms.
   */
  REDIS_HOLD_MS: z.coerce.number().int().min(0).max(4_000).default(3_000),
  /** Lifetime of a cart without changes: every change sets the key's TTL back to this. Default 24 h. */
  CART_TTL_SECONDS: positiveInt(86_400),
  /** Distinct products one cart may hold. Default 50. */
  CART_MAX_ITEMS: positiveInt(50),
  /** Largest quantity of one product in a cart (a request or a sum above it is refused). Default 99. */
  ITEM_MAX_QUANTITY: positiveInt(99),
  /** Per-call timeout of the product check; past it the item is accepted unverified. Default 800 ms. */
  CATALOGO_TIMEOUT_MS: positiveInt(800),
  /** Calls in the breaker's rolling window before it may open. Default 5. */
  CATALOGO_BREAKER_VOLUME_THRESHOLD: positiveInt(5),
  /** Failure percentage in the window that opens the breaker. Default 50. */
  CATALOGO_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  /** How long the breaker stays open before a trial call. Default 5000 ms. */
  CATALOGO_BREAKER_RESET_MS: positiveInt(5_000),
  /** Length of the breaker's rolling statistics window. Default 10000 ms. */
  CATALOGO_BREAKER_WINDOW_MS: positiveInt(10_000),
  /**
   * How long catalogo's word on a product (name, price, active) is reused by this instance before asking
   * again. Default 2000 ms; 0 asks catalogo on every add. Only answers are cached (never "unavailable").
   */
  CATALOGO_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Products kept in that cache at most (the oldest entry goes first). Default 10000. */
  CATALOGO_CACHE_MAX_ENTRIES: positiveInt(10_000),
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
