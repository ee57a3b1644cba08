import request from 'supertest';
import { buildApp, closeCatalogoDb, openDb } from './helpers';

// Port 1 on loopback: nothing listens there, so connecting is refused at once (a database that is down).
const FORA_DO_AR = 'postgresql://catalogo:x@127.0.0.1:1/catalogo';

describe('readiness and a database that is down', () => {
  it('when both endpoints answer, then /ready is 200 with both checks ok', async () => {
    const db = openDb();
    try {
      const res = await request(buildApp(db)).get('/ready').expect(200);
      expect(res.body.checks).toEqual({ database_rw: { ok: true }, database_ro: { ok: true } });
    } finally {
      await closeCatalogoDb(db);
    }
  });

  it('when the read-only endpoint is down, then /ready is 503 naming it and reads get a 503 with Retry-After', async () => {
    const db = openDb({ read: FORA_DO_AR });
    try {
      const app = buildApp(db);
      const pronto = await request(app).get('/ready').expect(503);
      expect(pronto.body.checks.database_ro.ok).toBe(false);
      expect(pronto.body.checks.database_rw).toEqual({ ok: true });

      const leitura = await request(app).get('/api/v1/produtos').expect(503);
      expect(leitura.headers['retry-after']).toBe('1');
      expect(leitura.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    } finally {
      await closeCatalogoDb(db);
    }
  });

  it('when the read-write endpoint is down, then admin writes get a 503 with Retry-After', async () => {
    const db = openDb({ write: FORA_DO_AR });
    try {
      const res = await request(buildApp(db))
        .put('/api/v1/produtos/1/estoque')
        .set('Authorization', 'Bearer catalogo-test-admin-token')
        .send({ operacao: 'remover', quantidade: 1 })
        .expect(503);
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await closeCatalogoDb(db);
    }
  });

  it('when the read-write endpoint is down, then stock reservations and releases get a 503 with Retry-After', async () => {
    const db = openDb({ write: FORA_DO_AR });
    try {
      const app = buildApp(db);
      const [reserva, liberacao] = await Promise.all([
        request(app).post('/internal/v1/reservas').send({ referencia: 'fora-do-ar-1', itens: [{ produto_id: 1, quantidade: 1 }] }),
        request(app).delete('/internal/v1/reservas/fora-do-ar-1'),
      ]);
      for (const res of [reserva, liberacao]) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.body).toMatchObject({ status: 503, code: 'service_unavailable' });
      }
    } finally {
      await closeCatalogoDb(db);
    }
  });
});
