import express from 'express';
import request from 'supertest';
import { createMetrics, httpMetricsMiddleware } from '../src';

describe('http metrics', () => {
  it('when requests are served, then the histogram is labelled by route template and status', async () => {
    const metrics = createMetrics({ service: 'test' });
    const app = express();
    app.use(httpMetricsMiddleware(metrics));
    app.get('/itens/:id', (_req, res) => { res.status(200).json({}); });
    await request(app).get('/itens/42').expect(200);
    await request(app).get('/nada').expect(404);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/itens\/:id"[^}]*status="200"[^}]*\} 1/);
    expect(text).toMatch(/route="unmatched"/);
    expect(text).not.toContain('/itens/42');
    expect(text).toContain('process_cpu_seconds_total');
  });
});
