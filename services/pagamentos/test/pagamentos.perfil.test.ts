/**
 * GET/PUT /admin/perfil: the simulated acquirer's profile switched at runtime (what the load run uses to measure
 * the checkout with and without the seed's latency). The router on the service defaults with a real
 * autorizadorSimulado reading the same object; no database is involved in a profile change.
 */
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import { autorizadorSimulado, type Simulacao } from '../src/domain/pagamentos';
import { perfilAdminRouter } from '../src/routes/perfil.admin.router';

const TOKEN = 'token-de-teste-do-perfil';
const auth = { Authorization: `Bearer ${TOKEN}` };

function montar(simulacao: Simulacao | ReturnType<typeof autorizadorSimulado>) {
  return createServiceApp(
    { service: 'pagamentos', logger: createLogger({ service: 'pagamentos', level: 'silent' }), metrics: createMetrics({ service: 'pagamentos' }) },
    (app) => app.use(perfilAdminRouter(simulacao, TOKEN)),
  );
}

const pedido = { pedido_id: 1, valor: '10.00', metodo: 'pix' } as unknown as Parameters<ReturnType<typeof autorizadorSimulado>['decidir']>[0];

describe('pagamentos /admin/perfil', () => {
  it('when the seed profile is put, then the next authorisation uses its latency range and approval rate', async () => {
    const sim: Simulacao = { latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 };
    const res = await request(montar(sim)).put('/admin/perfil').set(auth).send({ perfil: 'seed' }).expect(200);
    expect(res.body).toEqual({ latencia_min_ms: 500, latencia_max_ms: 1500, taxa_aprovacao: 0.9 });
    const esperas: number[] = [];
    const autorizador = autorizadorSimulado(sim, () => 0.95, async (ms) => void esperas.push(ms));
    expect(await autorizador.decidir(pedido)).toMatchObject({ aprovado: false });
    expect(esperas).toEqual([1450]);
  });

  it('when fields are put with a profile, then they override it, and GET reads the current settings back', async () => {
    const sim: Simulacao = { latenciaMinMs: 500, latenciaMaxMs: 1500, taxaAprovacao: 0.9 };
    const app = montar(sim);
    await request(app).put('/admin/perfil').set(auth).send({ perfil: 'rapido', taxa_aprovacao: 0.5 }).expect(200);
    expect((await request(app).get('/admin/perfil').set(auth).expect(200)).body).toEqual({ latencia_min_ms: 0, latencia_max_ms: 0, taxa_aprovacao: 0.5 });
  });

  it('when the token is missing, then it is a 401 and nothing changes', async () => {
    const sim: Simulacao = { latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 };
    await request(montar(sim)).put('/admin/perfil').send({ perfil: 'seed' }).expect(401);
    expect(sim).toEqual({ latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 });
  });

  it('when the body is bad, then it is a 400 naming each field and nothing changes', async () => {
    const sim: Simulacao = { latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 };
    const app = montar(sim);
    const res = await request(app).put('/admin/perfil').set(auth).send({ perfil: 'lento', taxa_aprovacao: 2 }).expect(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.perfil', 'body.taxa_aprovacao']);
    const inverso = await request(app).put('/admin/perfil').set(auth).send({ latencia_min_ms: 900, latencia_max_ms: 100 }).expect(400);
    expect(inverso.body.details).toEqual([expect.objectContaining({ field: 'body.latencia_max_ms' })]);
    expect(sim).toEqual({ latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 });
  });

  it('when the app runs a custom authoriser, then the profile cannot be changed (409)', async () => {
    const res = await request(montar({ decidir: async () => ({ aprovado: true as const }) })).put('/admin/perfil').set(auth).send({ perfil: 'seed' }).expect(409);
    expect(res.body.code).toBe('perfil_fixo');
  });
});
