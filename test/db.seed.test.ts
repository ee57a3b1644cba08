/**
 * The seed: counts after the course's seed document 001 (its generator), real document numbers, states consistent across the
 * services' databases, and a second run that changes nothing. Reads only the rows the seed owns
 * (produtos 1..30, clientes 1..50, pedidos 1..100 and what hangs off them), so tests creating their own rows
 * in the same databases at the same time do not disturb it.
 */
import { Client } from 'pg';
import { loadTopology, databaseUrl, type DbServiceName } from '@brigadeiro/topology';
import { isValidNfeAccessKey, isValidS10 } from '@brigadeiro/documentos';
import { bootstrapDatabases, migrateAll, seedAll, generateSeedData } from '../scripts/db';

const t = loadTopology();

async function query<R extends Record<string, unknown>>(svc: DbServiceName, sql: string): Promise<R[]> {
  const c = new Client({ connectionString: databaseUrl(t, svc) });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A fingerprint of every seed-owned row, leaving out what the running services may change (stock, updated-at). */
async function snapshot(): Promise<Record<string, string>> {
  const q = async (svc: DbServiceName, sql: string) => JSON.stringify(await query(svc, sql));
  return {
    categorias: await q('catalogo', 'SELECT id, nome, slug FROM categorias WHERE id <= 6 ORDER BY id'),
    produtos: await q('catalogo', 'SELECT id, nome, preco::text, categoria_id, criado_em FROM produtos WHERE id <= 30 ORDER BY id'),
    reservas: await q('catalogo', "SELECT referencia, status, itens FROM reservas_estoque WHERE referencia ~ '^pedido-([1-9]|[1-9][0-9]|100)$' ORDER BY 1"),
    clientes: await q('pedidos', 'SELECT id, nome, email FROM clientes WHERE id <= 50 ORDER BY id'),
    pedidos: await q('pedidos', 'SELECT id, cliente_id, status, valor_total::text, criado_em FROM pedidos WHERE id <= 100 ORDER BY id'),
    itens: await q('pedidos', 'SELECT pedido_id, produto_id, quantidade, preco_unitario::text FROM itens_pedido WHERE pedido_id <= 100 ORDER BY 1, 2'),
    historico: await q('pedidos', 'SELECT pedido_id, status, em FROM pedido_historico WHERE pedido_id <= 100 ORDER BY pedido_id, em, status'),
    pagamentos: await q('pagamentos', 'SELECT pedido_id, status, metodo, valor::text FROM pagamentos WHERE pedido_id <= 100 ORDER BY 1'),
    pagamentosOps: await q('pagamentos', 'SELECT count(*) AS n FROM operacoes WHERE pedido_id <= 100'),
    separacoes: await q('estoque', 'SELECT pedido_id, status, itens FROM separacoes WHERE pedido_id <= 100 ORDER BY 1'),
    estoqueOps: await q('estoque', 'SELECT count(*) AS n FROM operacoes WHERE pedido_id <= 100'),
    notas: await q('fiscal', 'SELECT pedido_id, numero, chave_acesso FROM notas_fiscais WHERE pedido_id <= 100 ORDER BY 1'),
    fiscalOps: await q('fiscal', 'SELECT count(*) AS n FROM operacoes WHERE pedido_id <= 100'),
    envios: await q('logistica', 'SELECT pedido_id, codigo_rastreamento, status FROM envios WHERE pedido_id <= 100 ORDER BY 1'),
    logisticaOps: await q('logistica', 'SELECT count(*) AS n FROM operacoes WHERE pedido_id <= 100'),
  };
}

describe('seedAll', () => {
  beforeAll(async () => {
    // normally done by the stack at start; idempotent, so the test does not depend on it
    await bootstrapDatabases(t);
    await migrateAll(t);
    await seedAll(t);
  }, 60_000);

  test('when seeded, then the counts follow the generator: 6 categorias, 30 produtos, 50 clientes, 100 pedidos', async () => {
    const expected = await generateSeedData();
    expect(await query('catalogo', 'SELECT slug FROM categorias WHERE id <= 6 ORDER BY id')).toEqual(
      ['bolos', 'tortas', 'doces-finos', 'brigadeiros', 'salgados', 'bebidas'].map((slug) => ({ slug })),
    );
    const [produtos] = await query<{ n: number; min: number; max: number; em_estoque: number; nomes: number }>('catalogo',
      'SELECT count(*)::int AS n, min(id) AS min, max(id) AS max, count(*) FILTER (WHERE estoque > 0)::int AS em_estoque, count(DISTINCT nome)::int AS nomes FROM produtos WHERE id <= 30');
    expect(produtos).toMatchObject({ n: 30, min: 1, max: 30, nomes: 30 });
    expect(produtos!.em_estoque).toBeGreaterThan(20); // most products can be bought
    expect((await query('pedidos', 'SELECT count(*)::int AS n FROM clientes WHERE id <= 50'))[0]).toEqual({ n: 50 });
    expect((await query('pedidos', 'SELECT count(*)::int AS n FROM pedidos WHERE id <= 100'))[0]).toEqual({ n: 100 });
    const n = async (svc: DbServiceName, sql: string) => (await query<{ n: number }>(svc, sql))[0]!.n;
    const counts = {
      itens: await n('pedidos', 'SELECT count(*)::int AS n FROM itens_pedido WHERE pedido_id <= 100'),
      pagamentos: await n('pagamentos', 'SELECT count(*)::int AS n FROM pagamentos WHERE pedido_id <= 100'),
      separacoes: await n('estoque', 'SELECT count(*)::int AS n FROM separacoes WHERE pedido_id <= 100'),
      notas: await n('fiscal', 'SELECT count(*)::int AS n FROM notas_fiscais WHERE pedido_id <= 100'),
      envios: await n('logistica', 'SELECT count(*)::int AS n FROM envios WHERE pedido_id <= 100'),
    };
    expect(counts).toEqual({
      itens: expected.itens_pedido.length, pagamentos: expected.pagamentos.length, separacoes: expected.separacoes.length,
      notas: expected.notas_fiscais.length, envios: expected.envios.length,
    });
    // the generator's proportions: ~80% paid, ~90% of the approved invoiced, ~95% of those shipped
    expect(counts.pagamentos).toBeGreaterThanOrEqual(65);
    expect(counts.pagamentos).toBeLessThanOrEqual(95);
    const aprovados = expected.pagamentos.filter((p) => p.status === 'aprovado').length;
    expect(counts.notas / aprovados).toBeGreaterThan(0.75);
    expect(counts.envios / counts.notas).toBeGreaterThan(0.8);
  });

  test('when the documents are read, then every NF-e key and tracking code is valid and matches across services', async () => {
    const notas = await query<{ pedido_id: string; numero: string; chave_acesso: string }>('fiscal', 'SELECT pedido_id, numero, chave_acesso FROM notas_fiscais WHERE pedido_id <= 100');
    for (const n of notas) {
      expect(isValidNfeAccessKey(n.chave_acesso)).toBe(true);
      expect(Number(n.chave_acesso.slice(25, 34))).toBe(Number(n.numero));
    }
    const chaves = new Map(notas.map((n) => [n.pedido_id, n.chave_acesso]));
    const envios = await query<{ pedido_id: string; codigo_rastreamento: string; nota_fiscal_chave: string }>('logistica',
      'SELECT pedido_id, codigo_rastreamento, nota_fiscal_chave FROM envios WHERE pedido_id <= 100');
    for (const e of envios) {
      expect(isValidS10(e.codigo_rastreamento)).toBe(true);
      expect(e.nota_fiscal_chave).toBe(chaves.get(e.pedido_id));
    }
  });

  test('when an order\'s status is compared with the owning services, then they agree', async () => {
    const pedidos = await query<{ id: string; status: string; valor_total: string; soma: string; motivo_cancelamento: string | null; ultimo: string }>('pedidos', `
      SELECT p.id, p.status, p.valor_total::text, p.motivo_cancelamento,
             (SELECT sum(quantidade * preco_unitario)::numeric(12,2)::text FROM itens_pedido i WHERE i.pedido_id = p.id) AS soma,
             (SELECT h.status FROM pedido_historico h WHERE h.pedido_id = p.id ORDER BY h.em DESC, h.id DESC LIMIT 1) AS ultimo
      FROM pedidos p WHERE p.id <= 100`);
    const byId = <T extends { pedido_id: string }>(rows: T[]) => new Map(rows.map((r) => [r.pedido_id, r]));
    const pagamentos = byId(await query<{ pedido_id: string; status: string; valor: string }>('pagamentos', 'SELECT pedido_id, status, valor::text FROM pagamentos WHERE pedido_id <= 100'));
    const separacoes = byId(await query<{ pedido_id: string }>('estoque', 'SELECT pedido_id FROM separacoes WHERE pedido_id <= 100'));
    const notas = byId(await query<{ pedido_id: string }>('fiscal', 'SELECT pedido_id FROM notas_fiscais WHERE pedido_id <= 100'));
    const envios = byId(await query<{ pedido_id: string; status: string }>('logistica', 'SELECT pedido_id, status FROM envios WHERE pedido_id <= 100'));
    for (const p of pedidos) {
      expect({ id: p.id, total: p.valor_total, ultimo: p.ultimo }).toEqual({ id: p.id, total: p.soma, ultimo: p.status });
      const pag = pagamentos.get(p.id);
      if (pag) expect(pag.valor).toBe(p.valor_total);
      const esperado =
        !pag ? 'pendente'
        : pag.status === 'rejeitado' ? 'cancelado'
        : !notas.has(p.id) ? 'pagamento_aprovado'
        : !envios.has(p.id) || envios.get(p.id)!.status === 'aguardando_envio' ? 'nf_emitida'
        : envios.get(p.id)!.status;
      expect({ id: p.id, status: p.status }).toEqual({ id: p.id, status: esperado });
      expect(separacoes.has(p.id)).toBe(notas.has(p.id));
      if (p.status === 'cancelado') expect(p.motivo_cancelamento).toBe('pagamento rejeitado');
    }
  });

  test('when seedAll runs again, then it inserts nothing and the seeded rows are unchanged', async () => {
    const before = await snapshot();
    const again = await seedAll(t);
    expect(again.seeded).toBe(false);
    expect(Object.values(again.inserted).every((n) => n === 0)).toBe(true);
    expect(await snapshot()).toEqual(before);
  }, 30_000);

  test('when new rows are created after the seed, then the sequences hand out ids above the seeded ones', async () => {
    const c = new Client({ connectionString: databaseUrl(t, 'pedidos') });
    await c.connect();
    try {
      await c.query('BEGIN');
      const id = (await c.query('INSERT INTO clientes (nome, email) VALUES ($1, $2) RETURNING id', ['Seq Teste', `seq-${process.pid}-${Date.now()}@exemplo.com`])).rows[0].id;
      expect(id).toBeGreaterThan(50);
      const pedido = (await c.query('INSERT INTO pedidos DEFAULT VALUES RETURNING id')).rows[0].id;
      expect(Number(pedido)).toBeGreaterThan(100);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
    const [seq] = await query<{ last_value: string }>('catalogo', 'SELECT last_value FROM produtos_id_seq');
    expect(Number(seq!.last_value)).toBeGreaterThanOrEqual(30);
    const [nf] = await query<{ last_value: string; max: string }>('fiscal', 'SELECT (SELECT last_value FROM notas_fiscais_numero_seq) AS last_value, (SELECT max(numero) FROM notas_fiscais WHERE pedido_id <= 100) AS max');
    expect(Number(nf!.last_value)).toBeGreaterThanOrEqual(Number(nf!.max));
  });
});
