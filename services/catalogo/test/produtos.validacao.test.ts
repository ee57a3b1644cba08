import request from 'supertest';
import { ADMIN, buildApp, closeCatalogoDb, fabrica, openDb, unique } from './helpers';

const db = openDb();
const app = buildApp(db);
const dados = fabrica(db);

afterEach(() => dados.limpar());
afterAll(() => closeCatalogoDb(db));

interface Problema {
  status: number;
  code: string;
  message: string;
  details?: { field: string; message: string }[];
}

/** The 4xx body is JSON with no stack, and its details (or message) name `campo`. */
function nomeia(body: Problema, campo: string, regra?: RegExp) {
  expect(body.status).toBeGreaterThanOrEqual(400);
  expect(body.status).toBeLessThan(500);
  expect(JSON.stringify(body)).not.toMatch(/\.ts:\d+|at \w+ \(/);
  const problema = body.details?.find((d) => d.field === campo);
  expect(problema ?? body.message).toBeDefined();
  if (problema) {
    if (regra) expect(problema.message).toMatch(regra);
  } else {
    expect(body.message).toContain(campo.split('.').pop() as string);
  }
}

describe('bad input on POST /api/v1/produtos', () => {
  const valido = (categoria_id: number) => ({ nome: unique('Quindim'), preco: '7.00', estoque: 5, categoria_id });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['preco with 3 decimals', { preco: '12.345' }, 'body.preco', /at most 2 decimal places/],
    ['preco as a number with 3 decimals', { preco: 12.345 }, 'body.preco', /at most 2 decimal places/],
    ['a float artefact as preco', { preco: 0.1 + 0.2 }, 'body.preco', /at most 2 decimal places/],
    ['negative preco', { preco: '-1.00' }, 'body.preco', /greater than 0/],
    ['zero preco', { preco: '0.00' }, 'body.preco', /greater than 0/],
    ['preco above 100000', { preco: '100000.01' }, 'body.preco', /at most 100000/],
    ['preco that is not a number', { preco: 'doze reais' }, 'body.preco', /decimal number/],
    ['preco as a boolean', { preco: true }, 'body.preco', /decimal string/],
    ['preco in exponent form', { preco: '1e3' }, 'body.preco', /decimal number/],
    ['estoque as a string', { estoque: '10' }, 'body.estoque', /number/],
    ['negative estoque', { estoque: -1 }, 'body.estoque', /at least 0/],
    ['huge estoque', { estoque: 1e12 }, 'body.estoque', /at most 1000000/],
    ['fractional estoque', { estoque: 1.5 }, 'body.estoque', /integer/],
    ['empty nome', { nome: '   ' }, 'body.nome', /must not be empty/],
    ['nome of 121 characters', { nome: 'x'.repeat(121) }, 'body.nome', /at most 120/],
    ['nome as a number', { nome: 42 }, 'body.nome', /string/],
    ['categoria_id as a string', { categoria_id: '1' }, 'body.categoria_id', /number/],
    ['categoria_id of 0', { categoria_id: 0 }, 'body.categoria_id', /positive/],
    ['a NUL character in nome', { nome: 'Pa\u0000ve' }, 'body.nome', /NUL/],
    ['a NUL character in descricao', { descricao: 'x\u0000' }, 'body.descricao', /NUL/],
  ])('when the body has %s, then 400 naming the field and nothing is written', async (_caso, campos, campo, regra) => {
    const c = await dados.categoria();
    const body = { ...valido(c.id), ...campos };
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).send(body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    nomeia(res.body, campo, regra);
    expect(await db.write.produto.count({ where: { categoriaId: c.id } })).toBe(0);
  });

  it('when a required field is missing, then 400 naming each missing one', async () => {
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).send({ nome: 'Sem preço' }).expect(400);
    const campos = res.body.details.map((d: { field: string }) => d.field);
    expect(campos).toEqual(expect.arrayContaining(['body.preco', 'body.categoria_id']));
  });

  it('when the body has unknown fields, then 400 naming them', async () => {
    const c = await dados.categoria();
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).send({ ...valido(c.id), cor: 'marrom', sabor: 'chocolate' }).expect(400);
    expect(res.body.message).toMatch(/"cor"/);
    expect(res.body.message).toMatch(/"sabor"/);
  });

  it('when the body is malformed JSON, then 400 malformed_json', async () => {
    const res = await request(app).post('/api/v1/produtos').set(ADMIN).set('Content-Type', 'application/json').send('{"nome": "Pa').expect(400);
    expect(res.body).toMatchObject({ status: 400, code: 'malformed_json' });
  });

  it('when the body is missing or not an object, then 400 naming the body', async () => {
    const vazio = await request(app).post('/api/v1/produtos').set(ADMIN).expect(400);
    expect(vazio.body.details[0].field).toBe('body');
    const lista = await request(app).post('/api/v1/produtos').set(ADMIN).send([1, 2]).expect(400);
    expect(lista.body.details[0].field).toBe('body');
  });
});

describe('bad input on PATCH /api/v1/produtos/:id', () => {
  it('when the body is empty, then 400 saying a field must change', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    const res = await request(app).patch(`/api/v1/produtos/${p.id}`).set(ADMIN).send({}).expect(400);
    expect(res.body.message).toMatch(/at least one field/);
  });

  it('when estoque is sent, then 400 pointing to the stock route and nothing changes', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 4 });
    const res = await request(app).patch(`/api/v1/produtos/${p.id}`).set(ADMIN).send({ nome: 'Outro', estoque: 100 }).expect(400);
    nomeia(res.body, 'body.estoque', /PUT \/api\/v1\/produtos\/:id\/estoque/);
    const salvo = await db.write.produto.findUniqueOrThrow({ where: { id: p.id } });
    expect({ nome: salvo.nome, estoque: salvo.estoque }).toEqual({ nome: p.nome, estoque: 4 });
  });

  it('when preco has 3 decimals or ativo is not a boolean, then 400 naming each', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    const res = await request(app).patch(`/api/v1/produtos/${p.id}`).set(ADMIN).send({ preco: '1.999', ativo: 'sim' }).expect(400);
    nomeia(res.body, 'body.preco', /2 decimal/);
    nomeia(res.body, 'body.ativo', /boolean/);
  });

  it('when the path has invalid percent-encoding, then 400, not 500', async () => {
    const res = await request(app).get('/api/v1/produtos/%ff').expect(400);
    nomeia(res.body, 'params');
  });

  it('when the id is not an integer, then 400 naming params.id', async () => {
    const res = await request(app).patch('/api/v1/produtos/abc').set(ADMIN).send({ nome: 'x' }).expect(400);
    nomeia(res.body, 'params.id');
  });
});

describe('bad input on PUT /api/v1/produtos/:id/estoque', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['an unknown operacao', { operacao: 'zerar', quantidade: 1 }, 'body.operacao', /adicionar.*remover/],
    ['quantidade 0', { operacao: 'remover', quantidade: 0 }, 'body.quantidade', /at least 1/],
    ['negative quantidade', { operacao: 'adicionar', quantidade: -5 }, 'body.quantidade', /at least 1/],
    ['huge quantidade', { operacao: 'adicionar', quantidade: 1e15 }, 'body.quantidade', /at most 1000000/],
    ['fractional quantidade', { operacao: 'remover', quantidade: 0.5 }, 'body.quantidade', /integer/],
    ['quantidade as a string', { operacao: 'remover', quantidade: '1' }, 'body.quantidade', /number/],
    ['a missing quantidade', { operacao: 'remover' }, 'body.quantidade', /number/],
  ])('when the body has %s, then 400 naming the field and the stock is unchanged', async (_caso, body, campo, regra) => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id, { estoque: 9 });
    const res = await request(app).put(`/api/v1/produtos/${p.id}/estoque`).set(ADMIN).send(body as object).expect(400);
    nomeia(res.body, campo, regra);
    expect((await db.write.produto.findUniqueOrThrow({ where: { id: p.id } })).estoque).toBe(9);
  });

  it('when the body has an unknown field, then 400 naming it', async () => {
    const c = await dados.categoria();
    const p = await dados.produto(c.id);
    const res = await request(app).put(`/api/v1/produtos/${p.id}/estoque`).set(ADMIN).send({ operacao: 'remover', quantidade: 1, motivo: 'x' }).expect(400);
    expect(res.body.message).toMatch(/"motivo"/);
  });
});

describe('bad query strings on GET /api/v1/produtos', () => {
  it.each<[string, string, RegExp]>([
    ['limit=0', 'query.limit', /at least 1/],
    ['limit=101', 'query.limit', /at most 100/],
    ['limit=dez', 'query.limit', /whole number/],
    ['offset=-1', 'query.offset', /whole number/],
    ['ativo=talvez', 'query.ativo', /"todos"/],
    ['categoria=Bolos%20Finos', 'query.categoria', /id or slug/],
    ['limit=1&limit=2', 'query.limit', /string/],
    ['categoria=9999999999 (beyond any id)', 'query.categoria', /id or slug/],
    ['q with a NUL character', 'query.q', /NUL/],
  ])('when the query has %s, then 400 naming %s', async (query, campo, regra) => {
    const qs = query.replace(' (beyond any id)', '').replace('q with a NUL character', 'q=a%00b');
    const res = await request(app).get(`/api/v1/produtos?${qs}`).expect(400);
    nomeia(res.body, campo, regra);
  });
});
