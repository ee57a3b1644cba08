/**
 * The stack's gateway (gatewayUrl(loadTopology()), started by `npm test`): public routes reach their
 * services, everything else is a 404 JSON body, the body limit is a 413 JSON body, the request id is
 * generated or kept, and catalogue GETs are micro-cached.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { gatewayUrl, loadTopology } from '@brigadeiro/topology';

const t = loadTopology();
const gateway = gatewayUrl(t);
const problem = (status: number, code: string) => ({ status, code, message: expect.any(String), request_id: expect.any(String) });

describe('gateway routes (main stack)', () => {
  it('when GET /health is asked of the gateway, then it answers 200 JSON itself', async () => {
    const res = await request(gateway).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', service: 'gateway' });
  });

  it('when the catalogue is listed, then catalogo answers with a JSON array', async () => {
    for (const path of ['/api/v1/produtos', '/api/v1/categorias']) {
      const res = await request(gateway).get(path);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
    }
  });

  it('when a cart is created and read through the gateway, then carrinho answers', async () => {
    const created = await request(gateway).post('/api/v1/carrinhos').send({});
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    try {
      const read = await request(gateway).get(`/api/v1/carrinhos/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(id);
    } finally {
      await request(gateway).delete(`/api/v1/carrinhos/${id}`);
    }
  });

  it('when an internal, operational or unknown path is asked, then the gateway answers 404 JSON without routing it', async () => {
    const paths = ['/', '/metrics', '/ready', '/internal/estoque/reservas', '/admin/falhas', '/api/v1/produtosx', '/api/v1/produtos/%2e%2e/%2e%2e/%2e%2e/metrics', '/api/v2/produtos', '/api/v1/pagamentos', '/api/v1/estoque'];
    for (const path of paths) {
      const res = await request(gateway).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual(problem(404, 'not_found'));
      expect(res.body.request_id).toBe(res.headers['x-request-id']);
    }
  });

  it('when a request body is larger than the gateway limit, then the answer is 413 JSON', async () => {
    const res = await request(gateway)
      .post('/api/v1/carrinhos')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ filler: 'x'.repeat(t.gateway.bodyLimitBytes + 1) }));
    expect(res.status).toBe(413);
    expect(res.body).toEqual(problem(413, 'payload_too_large'));
  });

  it('when a request comes without X-Request-Id, then the gateway generates one and returns it', async () => {
    const res = await request(gateway).get('/api/v1/categorias');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when a request brings a well-formed X-Request-Id, then the service receives it and the same id comes back once', async () => {
    const id = `gw-${randomUUID()}`;
    const res = await request(gateway).post('/api/v1/carrinhos').set('X-Request-Id', id).send({});
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toBe(id);
    await request(gateway).delete(`/api/v1/carrinhos/${res.body.id}`);
  });

  it('when a request brings a malformed X-Request-Id, then the gateway replaces it', async () => {
    const res = await request(gateway).get('/api/v1/categorias').set('X-Request-Id', 'bad id "with" spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when the same catalogue GET is repeated, then the second is a cache HIT and no-cache bypasses the cache', async () => {
    const path = `/api/v1/produtos?limit=1&offset=${100_000 + Math.floor(Math.random() * 1_000_000)}`;
    const first = await request(gateway).get(path);
    const second = await request(gateway).get(path);
    const fresh = await request(gateway).get(path).set('Cache-Control', 'no-cache');
    expect([first.status, second.status, fresh.status]).toEqual([200, 200, 200]);
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(fresh.headers['x-cache-status']).toBe('BYPASS');
  });
});
