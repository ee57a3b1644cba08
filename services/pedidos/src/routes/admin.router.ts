/** GET /admin/disjuntores (admin token): each downstream breaker's state, its settings and its rolling stats, readable by a person. */
import { Router } from 'express';
import type { Downstream } from '@brigadeiro/http-client';
import { requireAdmin } from '@brigadeiro/service-defaults';
import type { BreakerSettings } from '../wiring';

export function adminRouter(downstreams: Downstream[], settings: BreakerSettings, adminToken: string): Router {
  const router = Router();
  router.get('/admin/disjuntores', requireAdmin(adminToken), (_req, res) => {
    res.json({
      configuracao: {
        timeout_ms: settings.timeoutMs,
        volume_threshold: settings.volumeThreshold,
        error_threshold_percentage: settings.errorThresholdPercentage,
        reset_timeout_ms: settings.resetTimeoutMs,
      },
      disjuntores: downstreams.map((d) => {
        const s = d.breaker.stats;
        return {
          nome: d.name,
          estado: d.state,
          janela: {
            chamadas: s.fires,
            sucessos: s.successes,
            falhas: s.failures,
            timeouts: s.timeouts,
            rejeitadas: s.rejects,
            latencia_media_ms: Math.round(s.latencyMean ?? 0),
          },
        };
      }),
    });
  });
  return router;
}
