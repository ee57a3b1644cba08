/**
 * Fault injection on a small real Express app (createServiceApp): latency, error rate, hang and its release,
 * the admin routes and the /metrics gauge.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { createServiceApp } from '@brigadeiro/service-defaults';
import { createFaultState, faultAdminRouter, faultInjection, type FaultState } from '../src';

const TOKEN = 'chaos-test-token';
const auth = { Authorization: `Bearer ${TOKEN}` };
const states: FaultState[] = [];
const servers: http.Server[] = [];

function appWithFaults(random?: () => number) {
  const metrics = createMetrics({ service: 'teste' });
  const state = createFaultState({ service: 'teste', metrics, ...(random ? { random } : {}) });
  states.push(state);
  const app = createServiceApp({ service: 'teste', logger: createLogger({ service: 'teste', level: 'silent' }), metrics }, (a) => {
    a.use('/internal', faultInjection(state));
    a.get('/internal/v1/eco', (_req, res) => {
      res.json({ ok: true });
    });
    a.use(faultAdminRouter(state, TOKEN));
  });
  return { app, state };
}

async function listening(app: http.RequestListener): Promise<string> {
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of states.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('fault injection', () => {
  it('when no fault is set, then internal routes answer normally and GET /admin/falhas shows zeros', async () => {
    const { app } = appWithFaults();
    expect((await request(app).get('/internal/v1/eco')).body).toEqual({ ok: true });
    const res = await request(app).get('/admin/falhas').set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ latencia_ms: 0, taxa_erro: 0, travar: false, requisicoes_retidas: 0 });
  });

  it('when the admin token is missing or wrong, then /admin/falhas answers 401 and nothing changes', async () => {
    const { app, state } = appWithFaults();
    expect((await request(app).put('/admin/falhas').send({ taxa_erro: 1 })).status).toBe(401);
    expect((await request(app).put('/admin/falhas').set({ Authorization: 'Bearer errado-errado' }).send({ taxa_erro: 1 })).status).toBe(401);
    expect(state.get().taxa_erro).toBe(0);
  });

  it('when PUT has a bad body, then it answers 400 naming the field', async () => {
    const { app } = appWithFaults();
    const res = await request(app).put('/admin/falhas').set(auth).send({ taxa_erro: 2, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['body.taxa_erro']));
  });

  it('when the error rate is 100%, then internal routes answer 503 injected_fault with Retry-After, and health is untouched', async () => {
    const { app } = appWithFaults();
    const put = await request(app).put('/admin/falhas').set(auth).send({ taxa_erro: 1 });
    expect(put.body).toMatchObject({ taxa_erro: 1, latencia_ms: 0, travar: false });
    const res = await request(app).get('/internal/v1/eco');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ status: 503, code: 'injected_fault' });
    expect((await request(app).get('/health')).status).toBe(200);
    expect((await request(app).get('/admin/falhas').set(auth)).status).toBe(200);
  });

  it('when the error rate is 30%, then a draw under 0.3 fails and one above passes', async () => {
    let draw = 0.29;
    const { app } = appWithFaults(() => draw);
    await request(app).put('/admin/falhas').set(auth).send({ taxa_erro: 0.3 });
    expect((await request(app).get('/internal/v1/eco')).status).toBe(503);
    draw = 0.31;
    expect((await request(app).get('/internal/v1/eco')).status).toBe(200);
  });

  it('when latency is set, then the request is held (counted) first and then answered normally', async () => {
    const { app, state } = appWithFaults();
    const base = await listening(app);
    await request(base).put('/admin/falhas').set(auth).send({ latencia_ms: 300 });
    let answered = false;
    const pending = request(base)
      .get('/internal/v1/eco')
      .then((r) => {
        answered = true;
        return r;
      });
    await waitFor(() => state.held() === 1);
    expect(answered).toBe(false);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(state.held()).toBe(0);
  });

  it('when hang is set, then requests get no answer until DELETE resets, which answers them 503', async () => {
    const { app, state } = appWithFaults();
    const base = await listening(app);
    await request(base).put('/admin/falhas').set(auth).send({ travar: true });
    const pending = request(base).get('/internal/v1/eco').then((r) => r);
    await waitFor(() => state.held() === 1);
    const status = await request(base).get('/admin/falhas').set(auth);
    expect(status.body).toMatchObject({ travar: true, requisicoes_retidas: 1 });
    const del = await request(base).delete('/admin/falhas').set(auth);
    expect(del.body).toEqual({ latencia_ms: 0, taxa_erro: 0, travar: false, requisicoes_retidas: 0 });
    const released = await pending;
    expect(released.status).toBe(503);
    expect(released.body.code).toBe('injected_fault');
    expect((await request(base).get('/internal/v1/eco')).status).toBe(200);
  });

  it('when a hung client gives up, then its request leaves the held list', async () => {
    const { app, state } = appWithFaults();
    const base = await listening(app);
    state.set({ latencia_ms: 0, taxa_erro: 0, travar: true });
    const req = http.get(`${base}/internal/v1/eco`);
    req.on('error', () => {});
    await waitFor(() => state.held() === 1);
    req.destroy();
    await waitFor(() => state.held() === 0);
    expect(state.held()).toBe(0);
  });

  it('when the state is closed (shutdown), then hung and delayed requests are answered at once', async () => {
    const { app, state } = appWithFaults();
    const base = await listening(app);
    state.set({ latencia_ms: 0, taxa_erro: 0, travar: true });
    const hung = request(base).get('/internal/v1/eco').then((r) => r);
    await waitFor(() => state.held() === 1);
    state.set({ latencia_ms: 60_000, taxa_erro: 0, travar: false });
    expect((await hung).status).toBe(503);
    const delayed = request(base).get('/internal/v1/eco').then((r) => r);
    await waitFor(() => state.held() === 1);
    state.close();
    const res = await delayed;
    expect(res.status).toBe(503);
    expect(state.held()).toBe(0);
  });

  it('when faults are set, then /metrics shows them in the injected_faults gauge', async () => {
    const { app } = appWithFaults();
    await request(app).put('/admin/falhas').set(auth).send({ latencia_ms: 800, taxa_erro: 0.25 });
    const text = (await request(app).get('/metrics')).text;
    expect(text).toMatch(/injected_faults\{falha="latencia_ms",[^}]*\} 800/);
    expect(text).toMatch(/injected_faults\{falha="taxa_erro",[^}]*\} 0\.25/);
    expect(text).toMatch(/injected_faults\{falha="travar",[^}]*\} 0/);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
