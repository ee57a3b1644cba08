import request from 'supertest';
import { ADMIN, aguardarReplica, buildApp, closeCatalogoDb, fabrica, openDb, unique } from './helpers';

const db = openDb();
const app = buildApp(db);
const dados = fabrica(db);

afterEach(() => dados.limpar());
afterAll(() => closeCatalogoDb(db));

const noPrimario = (id: number) => db.write.produto.findUnique({ where: { id } });

describe('admin authentication', () => {
  it.each([
    ['POST', '/api/v1/produtos'],
    ['PATCH', '/api/v1/produtos/1'],
    ['DELETE', '/api/v1/produtos/1'],
    ['PUT', '/api/v1/produtos/1/estoque'],
  ])('when %s %s comes without a valid bearer token, then 401 JSON and nothing is written', async (method, path) => {
    const sem = await request(app)[method.toLowerCase() as 'post'](path).send({ nome: 'x' }).expect(401);
    expect(sem.body).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(sem.headers['www-authenticate']).toBe('Bearer');
    await request(app)[method.toLowerCase() as 'post'](path).set('Authorization', 'Bearer errado').send({ nome: 'x' }).expect(401);
  });
});

describe('POST /api/v1/produtos', () => {
  it('when the body is valid, then 201 with Location, the product, and a price stored exactly', async () => {
    const c = await dados.categoria();
    const nome = unique('Brigadeiro de pistache');
    const res = await request(app)
      .post('/api/v1/produtos')
      .set(ADMIN)
      .send({ nome, descricao: 'com pistache siciliano', preco: '12.9', estoque: 40, categoria_id: c.id })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      nome,
      descricao: 'com pistache siciliano',
      preco: '12.90',
      estoque: 40,
      categoria: c.nome,
      categoria_id: c.id,
      ativo: true,
    });
    expect(res.headers.location).toBe(`/api/v1/produtos/${res.body.id}`);
    const salvo = await noPrimario(res.body.id);
    expect(salvo?.preco.toFixed(2)).toBe('12.90');

    await aguardarReplica(db);
    const lido = await request(app).get(res.headers.location as string).expect(200);
    expect(lido.body).toEqual(res.body);
  });

  it('when preco is a JSON number with two decimals and estoque is left out, then the price is exact and stock starts at 0', async () => {
    const c = await dados.categoria();
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).send({ nome: 'Bem-casado', preco: 0.1, categoria_id: c.id }).expect(201);
    expect(res.body).toMatchObject({ preco: '0.10', estoque: 0, descricao: null });
  });

  it('when categoria_id does not exist, then 422 naming body.categoria_id and nothing is written', async () => {
    const nome = unique('Órfão');
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).send({ nome, preco: '1.00', categoria_id: 2147483640 }).expect(422);
    expect(res.body).toMatchObject({ status: 422, code: 'unknown_categoria' });
    expect(res.body.details).toEqual([{ field: 'body.categoria_id', message: 'no categoria with id 2147483640' }]);
    expect(await db.write.produto.count({ where: { nome } })).toBe(0);
  });
});

describe('PATCH /api/v1/produtos/:id', () => {
  it('when some fields are sent, then only those change', async () => {
    const c = await dados.categoria();
    const outra = await dados.categoria();
    const p = await dados.produto(c.id, { preco: '5.00', estoque: 8, descricao: 'antes' });
    const res = await request(app)
      .patch(`/api/v1/produtos/${p.id}`)
      .set(ADMIN)
      .send({ preco: '5.55', categoria_id: outra.id, descricao: null })
      .expect(200);
    expect(res.body).toEqual({ id: p.id, nome: p.nome, descricao: null, preco: '5.55', estoque: 8, categoria: outra.nome, categoria_id: outra.id, ativo: true });
    const salvo = await noPrimario(p.id);
    expect(salvo).toMatchObject({ nome: p.nome, estoque: 8, categoriaId: outra.id, descricao: null });
  });

  it('when the product is unknown, then 404', async () => {
    const res = await request(app).patch('/api/v1/produtos/2147483645').set(ADMIN).send({ nome: 'Nada' }).expect(404);
    expect(res.body.code).toBe('not_found');
  });

  it('when categoria_id is unknown, then 422 and the product is unchanged', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    await request(app).patch(`/api/v1/produtos/${p.id}`).set(ADMIN).send({ nome: 'Mudou?', categoria_id: 2147483640 }).expect(422);
    expect((await noPrimario(p.id))?.nome).toBe(p.nome);
  });

  it('when a soft-deleted product gets ativo: true, then it is listed again', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { ativo: false });
    await request(app).patch(`/api/v1/produtos/${p.id}`).set(ADMIN).send({ ativo: true }).expect(200);
    await aguardarReplica(db);
    const lista = await request(app).get(`/api/v1/produtos?categoria=${c.slug}`).expect(200);
    expect(lista.body.map((x: { id: number }) => x.id)).toEqual([p.id]);
  });
});

describe('DELETE /api/v1/produtos/:id', () => {
  it('when the product exists, then 204, it is kept as ativo=false and leaves the public list; a repeat is also 204', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    const res = await request(app).delete(`/api/v1/produtos/${p.id}`).set(ADMIN).expect(204);
    expect(res.text).toBe('');
    expect((await noPrimario(p.id))?.ativo).toBe(false);
    await request(app).delete(`/api/v1/produtos/${p.id}`).set(ADMIN).expect(204);

    await aguardarReplica(db);
    await request(app).get(`/api/v1/produtos/${p.id}`).expect(404);
    expect((await request(app).get(`/api/v1/produtos?categoria=${c.slug}`).expect(200)).body).toEqual([]);
  });

  it('when the product is unknown, then 404', async () => {
    await request(app).delete('/api/v1/produtos/2147483645').set(ADMIN).expect(404);
  });
});
