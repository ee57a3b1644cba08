/**
 * Makes replication visible: every catalogue read says which node served it, in an `X-Served-By:
 * replica|primary` header and in the counter catalogo_reads_total{served_by}.
 */
import type { Response } from 'express';
import { Counter, type Metrics } from '@brigadeiro/metrics';
import type { ServedBy } from '../domain/produto';

export type MarcarLeitura = (res: Response, servedBy: ServedBy) => void;

export function createLeituras(metrics: Metrics): MarcarLeitura {
  const reads = new Counter({
    name: 'catalogo_reads_total',
    help: 'Catalogue reads by the PostgreSQL node that served them (replica, or primary when HAProxy fell back)',
    labelNames: ['served_by'],
    registers: [metrics.registry],
  });
  reads.inc({ served_by: 'replica' }, 0);
  reads.inc({ served_by: 'primary' }, 0);
  return (res, servedBy) => {
    reads.inc({ served_by: servedBy });
    // max-age=1: the gateway micro-caches reads for a second; clients may too.
    res.set({ 'X-Served-By': servedBy, 'Cache-Control': 'public, max-age=1' });
  };
}
