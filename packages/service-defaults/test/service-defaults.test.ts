import http from 'node:http';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics } from '@brigadeiro/metrics';
import { createServiceApp, requireAdmin, startServer } from '../src';

const silent = () => createLogger({ service: 't', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function makeApp(readiness = {}) {
  return createServiceApp({ service: 't', logger: silent(), metrics: createMetrics({ service: 't' }), readiness, bodyLimitBytes: 1024 }, (app) => {
    app.post('/echo', (req, res) => { res.json(req.body); });
    app.get('/boom', () => { throw new Error('secret internals at /srv/app.ts:12'); });
    app.get('/admin', requireAdmin('token-123456'), (_req, res) => { res.json({ ok: true }); });
  });
}

describe('service defaults', () => {
  it('when a request carries X-Request-Id, then the response echoes it; otherwise one is made up', async () => {
    const app = makeApp();
    const given = await request(app).get('/health').set('X-Request-Id', 'abc-123').expect(200);
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await request(app).get('/health').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a readiness check fails, then /ready is 503 naming the check', async () => {
    const app = makeApp({ db: async () => { throw new Error('connection refused'); }, redis: async () => 'PONG' });
    const res = await request(app).get('/ready').expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.checks).toEqual({ db: { ok: false, error: 'connection refused' }, redis: { ok: true } });
  });

  it('when the body is malformed or too large, then a JSON 400 or 413 says so', async () => {
    const app = makeApp();
    const bad = await request(app).post('/echo').set('Content-Type', 'application/json').send('{"a":').expect(400);
    expect(bad.body).toMatchObject({ status: 400, code: 'malformed_json' });
    const big = await request(app).post('/echo').send({ a: 'x'.repeat(2000) }).expect(413);
    expect(big.body.code).toBe('payload_too_large');
  });

  it('when a route is unknown or throws, then the body is JSON with no stack trace', async () => {
    const app = makeApp();
    expect((await request(app).get('/nope').expect(404)).body.code).toBe('not_found');
    const boom = await request(app).get('/boom').expect(500);
    expect(boom.body).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(boom.body)).not.toMatch(/secret internals|app\.ts/);
    expect(boom.body.request_id).toBe(boom.headers['x-request-id']);
  });

  it('when the admin token is missing or wrong, then 401; when right, then the route runs', async () => {
    const app = makeApp();
    await request(app).get('/admin').expect(401);
    await request(app).get('/admin').set('Authorization', 'Bearer wrong').expect(401);
    await request(app).get('/admin').set('Authorization', 'Bearer token-123456').expect(200);
    // Same length but different, a prefix, the token plus more, the token without the scheme: all refused.
    for (const h of ['Bearer token-123457', 'Bearer token-12345', 'Bearer token-1234567', 'token-123456', 'Basic token-123456']) {
      const r = await request(app).get('/admin').set('Authorization', h);
      expect({ h, status: r.status, code: r.body.code }).toEqual({ h, status: 401, code: 'unauthorized' });
    }
  });

  it('when shutdown starts during a request, then that request still completes and the closers run', async () => {
    let closed = false;
    const app = createServiceApp({ service: 't', logger: silent(), metrics: createMetrics({ service: 't' }) }, (a) => {
      a.get('/slow', async (_req, res) => { await new Promise((r) => setTimeout(r, 300)); res.json({ done: true }); });
    });
    const running = await startServer(app, { host: '127.0.0.1', port: 0, logger: silent(), closers: [async () => { closed = true; }] });
    const body = new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${running.port}/slow`, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve(data));
      }).on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    const stopped = running.shutdown('test');
    expect(JSON.parse(await body)).toEqual({ done: true });
    await stopped;
    expect(closed).toBe(true);
    expect(running.server.listening).toBe(false);
  });
});

describe('client errors raised by Express itself', () => {
  it('when a path parameter cannot be decoded, then the answer is a JSON 400, not a 500', async () => {
    const app = createServiceApp({ service: 't', logger: silent(), metrics: createMetrics({ service: 't' }) }, (a) => {
      a.get('/itens/:id', (req, res) => { res.json({ id: req.params.id }); });
    });
    const res = await request(app).get('/itens/%ff').expect(400);
    expect(res.body).toMatchObject({ status: 400, code: 'bad_request' });
  });
});
