/**
 * Each service's role reaches its own database only, owns its tables, has no powers beyond them, and
 * cannot drive stock below zero whatever the service code does.
 */
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { bootstrapDatabases, migrateAll } from '../scripts/db';
import { DB_SERVICES, loadTopology, databaseUrl, dbPassword, HOST } from '@brigadeiro/topology';
import { sqlState } from '@brigadeiro/db';

const t = loadTopology();

// Normally done by the stack at start; idempotent and serialised, so the file does not depend on it.
beforeAll(async () => {
  await bootstrapDatabases(t);
  await migrateAll(t);
}, 60_000);

function roleUrl(role: string, database: string): string {
  return `postgresql://${role}:${encodeURIComponent(dbPassword(role as (typeof DB_SERVICES)[number]))}@${HOST}:${t.ports.pgRw}/${database}`;
}

async function connectError(url: string): Promise<unknown> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return undefined;
  } catch (err) {
    await c.end().catch(() => {});
    return err;
  }
}

describe('database isolation between services', () => {
  test('when role catalogo connects to database pedidos, then it is refused for lack of CONNECT', async () => {
    const err = await connectError(roleUrl('catalogo', 'pedidos'));
    expect(sqlState(err)).toBe('42501');
    expect(String((err as Error).message)).toMatch(/permission denied for database "pedidos"/);
  });

  test('when any service role connects to another service\'s database, then only its own is allowed', async () => {
    for (const role of DB_SERVICES) {
      expect(await connectError(roleUrl(role, role))).toBeUndefined();
      for (const other of DB_SERVICES.filter((s) => s !== role)) {
        expect({ role, other, code: sqlState(await connectError(roleUrl(role, other))) }).toEqual({ role, other, code: '42501' });
      }
    }
  });

  test('when a service role is inspected, then it owns its tables and holds no cluster powers', async () => {
    for (const svc of DB_SERVICES) {
      const c = new Client({ connectionString: databaseUrl(t, svc) });
      await c.connect();
      try {
        const role = await c.query('SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = current_user');
        expect(role.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false });
        const notOwned = await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> current_user");
        expect(notOwned.rows).toEqual([]);
        const tables = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
        expect(tables.rows[0].n).toBeGreaterThan(1);
        expect(sqlState(await c.query('CREATE DATABASE nao_pode').catch((e: unknown) => e))).toBe('42501');
      } finally {
        await c.end();
      }
    }
  });
});

describe('stock never goes negative', () => {
  test('when role catalogo writes negative stock, then the CHECK constraint refuses it, even in raw SQL', async () => {
    const c = new Client({ connectionString: databaseUrl(t, 'catalogo') });
    await c.connect();
    const slug = `teste-isolamento-${randomUUID().slice(0, 8)}`;
    try {
      const cat = await c.query('INSERT INTO categorias (nome, slug) VALUES ($1, $1) RETURNING id', [slug]);
      const prod = await c.query('INSERT INTO produtos (nome, preco, estoque, categoria_id) VALUES ($1, 5.00, 2, $2) RETURNING id', [`Trufa ${slug}`, cat.rows[0].id]);
      const id = prod.rows[0].id as number;
      const err = await c.query('UPDATE produtos SET estoque = estoque - 3 WHERE id = $1', [id]).catch((e: unknown) => e);
      expect(sqlState(err)).toBe('23514');
      expect((err as { constraint?: string }).constraint).toBe('produtos_estoque_nao_negativo');
      expect(sqlState(await c.query('INSERT INTO produtos (nome, preco, estoque, categoria_id) VALUES ($1, 1, -1, $2)', [`x ${slug}`, cat.rows[0].id]).catch((e: unknown) => e))).toBe('23514');
      // the conditional update the service uses simply matches no row
      const cond = await c.query('UPDATE produtos SET estoque = estoque - 3 WHERE id = $1 AND estoque >= 3', [id]);
      expect(cond.rowCount).toBe(0);
      expect((await c.query('SELECT estoque FROM produtos WHERE id = $1', [id])).rows[0].estoque).toBe(2);
      await c.query('DELETE FROM produtos WHERE id = $1', [id]);
      await c.query('DELETE FROM categorias WHERE id = $1', [cat.rows[0].id]);
    } finally {
      await c.query('DELETE FROM produtos WHERE nome LIKE $1', [`%${slug}`]).catch(() => {});
      await c.query('DELETE FROM categorias WHERE slug = $1', [slug]).catch(() => {});
      await c.end();
    }
  });
});
