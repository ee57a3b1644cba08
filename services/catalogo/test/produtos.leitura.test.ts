import request from 'supertest';
import { createMetrics } from '@brigadeiro/metrics';
import { databaseUrl } from '@brigadeiro/topology';
import { aguardarReplica, buildApp, closeCatalogoDb, fabrica, openDb, topology, unique } from './helpers';

const db = openDb();
const app = buildApp(db);
const dados = fabrica(db);

afterEach(() => dados.limpar());
afterAll(() => closeCatalogoDb(db));

describe('GET /api/v1/produtos', () => {
  it('when a category holds products, then the list is a JSON array of {id, nome, descricao, preco, estoque, categoria, categoria_id} ordered by id', async () => {
    const c = await dados.categoria();
    const a = await dados.produto(c.id, { preco: '12.90', estoque: 7, descricao: 'de colher' });
    const b = await dados.produto(c.id, { preco: '0.50', estoque: 0, descricao: null });
    await aguardarReplica(db);

    const res = await request(app).get('/api/v1/produtos').query({ categoria: c.slug }).expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toEqual([
      { id: a.id, nome: a.nome, descricao: 'de colher', preco: '12.90', estoque: 7, categoria: c.nome, categoria_id: c.id, ativo: true },
      { id: b.id, nome: b.nome, descricao: null, preco: '0.50', estoque: 0, categoria: c.nome, categoria_id: c.id, ativo: true },
    ]);
    expect(res.headers['x-total-count']).toBe('2');
    expect(res.headers['cache-control']).toBe('public, max-age=1');
    expect(res.headers['x-served-by']).toMatch(/^(replica|primary)$/);
  });

  it('when the list is sent, then its body is compact JSON, byte for byte what JSON.stringify gives for the same products', async () => {
    const c = await dados.categoria();
    await dados.produto(c.id, { nome: unique('Pé-de-moleque "crocante" \\ 🍫'), descricao: 'linha 1\nlinha 2\t<fim>' });
    await dados.produto(c.id, { descricao: null });
    await aguardarReplica(db);

    const res = await request(app).get('/api/v1/produtos').query({ categoria: c.slug }).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(JSON.stringify(res.body));
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
  });

  it('when the stock, price or category name of a product change, then the list shows the new values', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { preco: '4.50', estoque: 10 });
    await db.write.produto.update({ where: { id: p.id }, data: { preco: '5.00', estoque: 7 } });
    await db.write.categoria.update({ where: { id: c.id }, data: { nome: `${c.nome} renomeada` } });
    await aguardarReplica(db);

    const res = await request(app).get('/api/v1/produtos').query({ categoria: c.slug }).expect(200);
    expect(res.body).toEqual([expect.objectContaining({ id: p.id, preco: '5.00', estoque: 7, categoria: `${c.nome} renomeada` })]);
    expect((await request(app).get(`/api/v1/produtos/${p.id}`).expect(200)).body).toEqual(res.body[0]);
  });

  it('when filtering by category id or slug, then only that category is listed', async () => {
    const c1 = await dados.categoria();
    const c2 = await dados.categoria();
    const p1 = await dados.produto(c1.id);
    await dados.produto(c2.id);
    await aguardarReplica(db);

    const porSlug = await request(app).get(`/api/v1/produtos?categoria=${c1.slug}`).expect(200);
    const porId = await request(app).get(`/api/v1/produtos?categoria=${c1.id}`).expect(200);
    expect(porSlug.body.map((p: { id: number }) => p.id)).toEqual([p1.id]);
    expect(porId.body).toEqual(porSlug.body);
  });

  it('when an unknown category is asked for, then the list is empty with X-Total-Count 0', async () => {
    const res = await request(app).get(`/api/v1/produtos?categoria=${unique('nenhuma')}`).expect(200);
    expect(res.body).toEqual([]);
    expect(res.headers['x-total-count']).toBe('0');
  });

  it('when searching with q, then names match case-insensitively and % or _ are taken literally', async () => {
    const c = await dados.categoria();
    const token = unique('Ninho').toUpperCase();
    const achado = await dados.produto(c.id, { nome: `Bolo de ${token} com 50% morango` });
    await dados.produto(c.id, { nome: 'Pudim de leite' });
    await dados.produto(c.id, { nome: `Bolo de ${token} com 500 morangos` });
    await aguardarReplica(db);

    const res = await request(app).get('/api/v1/produtos').query({ categoria: c.slug, q: `${token.toLowerCase()} com 50%` }).expect(200);
    expect(res.body.map((p: { id: number }) => p.id)).toEqual([achado.id]);
    const nada = await request(app).get('/api/v1/produtos').query({ categoria: c.slug, q: 'bolo_de' }).expect(200);
    expect(nada.body).toEqual([]);
  });

  it('when paginating with limit and offset, then the page is a slice in id order and X-Total-Count counts all matches', async () => {
    const c = await dados.categoria();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await dados.produto(c.id)).id);
    await aguardarReplica(db);

    const pagina = await request(app).get(`/api/v1/produtos?categoria=${c.slug}&limit=2&offset=2`).expect(200);
    expect(pagina.body.map((p: { id: number }) => p.id)).toEqual(ids.slice(2, 4));
    expect(pagina.headers['x-total-count']).toBe('5');

    const alem = await request(app).get(`/api/v1/produtos?categoria=${c.slug}&limit=2&offset=50`).expect(200);
    expect(alem.body).toEqual([]);
    expect(alem.headers['x-total-count']).toBe('5');
    expect(alem.headers['x-served-by']).toMatch(/^(replica|primary)$/);
  });

  it('when no limit is given, then at most 50 products come back', async () => {
    const c = await dados.categoria();
    for (let i = 0; i < 51; i++) await dados.produto(c.id);
    await aguardarReplica(db);
    const res = await request(app).get(`/api/v1/produtos?categoria=${c.slug}`).expect(200);
    expect(res.body).toHaveLength(50);
    expect(res.headers['x-total-count']).toBe('51');
  });

  it('when a product is inactive, then it is hidden by default and shown with ativo=false or ativo=todos', async () => {
    const c = await dados.categoria();
    const ativo = await dados.produto(c.id);
    const inativo = await dados.produto(c.id, { ativo: false });
    await aguardarReplica(db);

    const ids = async (query: string) =>
      (await request(app).get(`/api/v1/produtos?categoria=${c.slug}${query}`).expect(200)).body.map((p: { id: number }) => p.id);
    expect(await ids('')).toEqual([ativo.id]);
    expect(await ids('&ativo=false')).toEqual([inativo.id]);
    expect(await ids('&ativo=todos')).toEqual([ativo.id, inativo.id]);
  });

  it('when an unknown query parameter is sent (a cache buster), then it is ignored', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    await aguardarReplica(db);
    const res = await request(app).get(`/api/v1/produtos?categoria=${c.slug}&_=${Date.now()}`).expect(200);
    expect(res.body.map((x: { id: number }) => x.id)).toEqual([p.id]);
  });
});

describe('GET /api/v1/produtos/:id', () => {
  it('when the product exists, then it comes back with an exact two-decimal price', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { preco: '99999.99', estoque: 3 });
    await aguardarReplica(db);
    const res = await request(app).get(`/api/v1/produtos/${p.id}`).expect(200);
    expect(res.body).toMatchObject({ id: p.id, nome: p.nome, preco: '99999.99', estoque: 3, categoria: c.nome, categoria_id: c.id, ativo: true });
    expect(res.headers['x-served-by']).toMatch(/^(replica|primary)$/);
  });

  it('when the product is unknown, then 404 with a JSON body naming it', async () => {
    const res = await request(app).get('/api/v1/produtos/2147483646').expect(404);
    expect(res.body).toMatchObject({ status: 404, code: 'not_found', message: 'produto 2147483646 not found' });
  });

  it('when the product was soft-deleted, then 404 unless ativo=todos or ativo=false is asked', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { ativo: false });
    await aguardarReplica(db);
    await request(app).get(`/api/v1/produtos/${p.id}`).expect(404);
    expect((await request(app).get(`/api/v1/produtos/${p.id}?ativo=todos`).expect(200)).body.ativo).toBe(false);
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999', '1e3'])('when the id is %s, then 400 naming params.id', async (id) => {
    const res = await request(app).get(`/api/v1/produtos/${id}`).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details[0].field).toBe('params.id');
  });
});

describe('GET /api/v1/categorias', () => {
  it('when categories hold active and inactive products, then each comes with its count of active products', async () => {
    const c = await dados.categoria();
    const vazia = await dados.categoria();
    await dados.produto(c.id);
    await dados.produto(c.id);
    await dados.produto(c.id, { ativo: false });
    await aguardarReplica(db);

    const res = await request(app).get('/api/v1/categorias').expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toContainEqual({ id: c.id, nome: c.nome, slug: c.slug, quantidade_produtos: 2 });
    expect(res.body).toContainEqual({ id: vazia.id, nome: vazia.nome, slug: vazia.slug, quantidade_produtos: 0 });
    expect(res.headers['x-served-by']).toMatch(/^(replica|primary)$/);
  });
});

describe('where reads are served', () => {
  it('when the read endpoint is the replica, then reads say X-Served-By: replica and count in catalogo_reads_total{served_by="replica"}', async () => {
    const metrics = createMetrics({ service: 'catalogo' });
    const comMetricas = buildApp(db, metrics);
    await request(comMetricas).get('/api/v1/categorias').expect(200).expect('X-Served-By', 'replica');
    await request(comMetricas).get('/api/v1/produtos?limit=1').expect(200).expect('X-Served-By', 'replica');

    const texto = (await request(comMetricas).get('/metrics').expect(200)).text;
    expect(texto).toMatch(/^catalogo_reads_total\{served_by="replica"[^}]*\} 2$/m);
    expect(texto).toMatch(/^catalogo_reads_total\{served_by="primary"[^}]*\} 0$/m);
  });

  it('when reads go to the primary, then they say X-Served-By: primary', async () => {
    const primario = openDb({ read: databaseUrl(topology, 'catalogo', 'rw') });
    try {
      const res = await request(buildApp(primario)).get('/api/v1/produtos?limit=1').expect(200);
      expect(res.headers['x-served-by']).toBe('primary');
    } finally {
      await closeCatalogoDb(primario);
    }
  });
});
