/**
 * GET/PUT /admin/perfil (admin token): the simulated acquirer's profile, switchable at runtime so a load run
 * can measure the checkout with the latency off and with the seed's 500-1500 ms without restarting the stack.
 * The change applies to the next authorisation (the authoriser reads the same object on every call).
 * Body: {perfil?: "rapido"|"seed", latencia_min_ms?, latencia_max_ms?, taxa_aprovacao?}; the fields override the
 * named profile, as the PAGAMENTOS_* variables do at start.
 */
import { Router } from 'express';
import { z } from 'zod';
import { AppError, parseInput, ValidationError } from '@brigadeiro/errors';
import { requireAdmin } from '@brigadeiro/service-defaults';
import { PERFIS } from '../config';
import type { Autorizador, Simulacao } from '../domain/pagamentos';

const ms = z.number().int().min(0).max(60_000);
const PerfilBody = z
  .object({
    perfil: z.enum(['rapido', 'seed']).optional(),
    latencia_min_ms: ms.optional(),
    latencia_max_ms: ms.optional(),
    taxa_aprovacao: z.number().min(0).max(1).optional(),
  })
  .strict();

function corpo(sim: Simulacao) {
  return { latencia_min_ms: sim.latenciaMinMs, latencia_max_ms: sim.latenciaMaxMs, taxa_aprovacao: sim.taxaAprovacao };
}

export function perfilAdminRouter(simulacao: Simulacao | Autorizador, adminToken: string): Router {
  const router = Router();
  router.use('/admin/perfil', requireAdmin(adminToken));
  const simulada = (): Simulacao => {
    if ('decidir' in simulacao) throw new AppError(409, 'perfil_fixo', 'this instance runs a custom authoriser, not the simulated one: its profile cannot be changed');
    return simulacao;
  };
  router.get('/admin/perfil', (_req, res) => {
    res.json(corpo(simulada()));
  });
  router.put('/admin/perfil', (req, res) => {
    const sim = simulada();
    const body = parseInput(PerfilBody, req.body ?? {}, 'body');
    const base = body.perfil ? PERFIS[body.perfil] : sim;
    const novo: Simulacao = {
      latenciaMinMs: body.latencia_min_ms ?? base.latenciaMinMs,
      latenciaMaxMs: body.latencia_max_ms ?? base.latenciaMaxMs,
      taxaAprovacao: body.taxa_aprovacao ?? base.taxaAprovacao,
    };
    if (novo.latenciaMinMs > novo.latenciaMaxMs) {
      const problem = { field: 'body.latencia_max_ms', message: `must be at least latencia_min_ms (${novo.latenciaMinMs})` };
      throw new ValidationError(`invalid request body: ${problem.field}: ${problem.message}`, [problem]);
    }
    Object.assign(sim, novo);
    res.json(corpo(sim));
  });
  return router;
}
