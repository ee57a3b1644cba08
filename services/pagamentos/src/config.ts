/**
 * pagamentos' configuration: the variables every service gets, its database (serviceEnv() in
 * @brigadeiro/topology produces these) and the simulated authoriser.
 *
 * Simulation: PAGAMENTOS_PERFIL picks the defaults ("rapido": no latency, everything approved, which keeps the
 * stack responsive; "seed": the seed's 500-1500 ms and 90% approval); PAGAMENTOS_LATENCIA_MIN_MS,
 * PAGAMENTOS_LATENCIA_MAX_MS and PAGAMENTOS_TAXA_APROVACAO, when set, override the profile.
 */
import { z } from 'zod';
import { baseConfigSchema, postgresUrl, databasePoolMax, parseConfig } from '@brigadeiro/config';

const ms = z.coerce.number().int().min(0).max(60_000);

export const PERFIS = {
  rapido: { latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 },
  seed: { latenciaMinMs: 500, latenciaMaxMs: 1500, taxaAprovacao: 0.9 },
} as const;

export const configSchema = baseConfigSchema
  .extend({
    /** Read-write endpoint of pagamentos' own database (HAProxy -> current primary). */
    DATABASE_URL: postgresUrl,
    /** Connections in the pool. */
    DATABASE_POOL_MAX: databasePoolMax,
    /** Named simulation profile: "rapido" (default) or "seed". */
    PAGAMENTOS_PERFIL: z.enum(['rapido', 'seed']).default('rapido'),
    /** Simulated authorisation latency, drawn uniformly from MIN..MAX ms. */
    PAGAMENTOS_LATENCIA_MIN_MS: ms.optional(),
    PAGAMENTOS_LATENCIA_MAX_MS: ms.optional(),
    /** Share of authorisations approved, 0..1 (the sandbox card CARTAO_SEMPRE_RECUSADO is always declined). */
    PAGAMENTOS_TAXA_APROVACAO: z.coerce.number().min(0).max(1).optional(),
  })
  .transform((c) => {
    const perfil = PERFIS[c.PAGAMENTOS_PERFIL];
    return {
      ...c,
      simulacao: {
        latenciaMinMs: c.PAGAMENTOS_LATENCIA_MIN_MS ?? perfil.latenciaMinMs,
        latenciaMaxMs: c.PAGAMENTOS_LATENCIA_MAX_MS ?? perfil.latenciaMaxMs,
        taxaAprovacao: c.PAGAMENTOS_TAXA_APROVACAO ?? perfil.taxaAprovacao,
      },
    };
  })
  .refine((c) => c.simulacao.latenciaMinMs <= c.simulacao.latenciaMaxMs, {
    path: ['PAGAMENTOS_LATENCIA_MAX_MS'],
    message: 'must be at least PAGAMENTOS_LATENCIA_MIN_MS (after applying the profile)',
  });
export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws a ConfigError naming every bad or missing variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return parseConfig(configSchema, env);
}
