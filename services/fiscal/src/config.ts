/**
 * fiscal's configuration: the variables every service gets plus its database
 * (serviceEnv() in @brigadeiro/topology produces exactly these).
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';
import { cnpjWithCheckDigits, isValidCnpj, UF_CODES, type Uf } from '@brigadeiro/documentos';

/** A made-up CNPJ with real check digits, so the keys validate like real ones. */
export const CNPJ_DEMO = cnpjWithCheckDigits('123456780001');

export const configSchema = baseConfigSchema.extend({
  /** Read-write endpoint of fiscal's own database (HAProxy -> current primary). */
  DATABASE_URL: postgresUrl,
  /** Connections in the pool. */
  DATABASE_POOL_MAX: databasePoolMax,
  /** The issuer's federative unit (first two digits of every access key). Default SP. */
  FISCAL_UF: z.enum(Object.keys(UF_CODES) as [Uf, ...Uf[]]).default('SP'),
  /** The issuer's CNPJ, 14 digits with valid check digits (punctuation allowed). Default: the shop's demo CNPJ. */
  FISCAL_CNPJ: z
    .string()
    .default(CNPJ_DEMO)
    .refine((v) => isValidCnpj(v), 'must be a CNPJ with valid check digits')
    .transform((v) => v.replace(/[.\-/\s]/g, '')),
  /** Series of the notas issued. Default 1. */
  FISCAL_SERIE: z.coerce.number().int().min(0).max(999).default(1),
});
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
