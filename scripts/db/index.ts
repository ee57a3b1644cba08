/**
 * Database set-up for the stack, called by the orchestrator once the HA cluster answers on HAProxy's
 * read-write port (and by `npm run db:migrate` / `npm run db:seed`):
 *   bootstrapDatabases(t) -> one role and one database per service, nobody else may connect to it;
 *   migrateAll(t)         -> each service's SQL migrations, applied as the service's own role;
 *   seedAll(t)            -> the reference and historical data (idempotent).
 * All three are safe to run again at every start. resetData(t) (`npm run db:seed -- --reset`) empties the
 * data first, so the seed is all there is.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  DB_SERVICES, type DbServiceName, type Topology, REPO_ROOT, databaseUrl, dbPassword, redisUrl, superuserUrl,
} from '@brigadeiro/topology';
import { runMigrationsMany, type MigrationResult } from '@brigadeiro/db';
import type { SeedData } from './seed-data';

type Env = Record<string, string | undefined>;

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>, applicationName = 'brigadeiro-db-setup'): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: applicationName });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const BOOTSTRAP_LOCK = 7_041_971;

export interface BootstrapResult {
  rolesCreated: DbServiceName[];
  databasesCreated: DbServiceName[];
}

/**
 * Idempotently, for every DB service: role `<svc>` (LOGIN, password dbPassword(svc), NOSUPERUSER NOCREATEDB
 * NOCREATEROLE; the password and attributes are re-applied each run), database `<svc>` owned by it, CONNECT
 * revoked from PUBLIC (a service's role cannot open another service's database), and in each database
 * schema public owned by the role with CREATE revoked from PUBLIC. Connects as the superuser through
 * HAProxy's read-write port.
 */
export async function bootstrapDatabases(t: Topology, env: Env = process.env): Promise<BootstrapResult> {
  const result: BootstrapResult = { rolesCreated: [], databasesCreated: [] };
  await withClient(superuserUrl(t), async (c) => {
    // Concurrent GRANT/ALTER on one catalog row fail with "tuple concurrently updated": take turns.
    await c.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
    try {
      for (const svc of DB_SERVICES) {
        const role = c.escapeIdentifier(svc);
        const attrs = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${c.escapeLiteral(dbPassword(svc, env))}`;
        const { rowCount } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [svc]);
        if (!rowCount) {
          await c.query(`CREATE ROLE ${role} ${attrs}`);
          result.rolesCreated.push(svc);
        } else {
          await c.query(`ALTER ROLE ${role} ${attrs}`);
        }
        const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [svc]);
        if (!db.rowCount) {
          await c.query(`CREATE DATABASE ${role} OWNER ${role} ENCODING 'UTF8'`);
          result.databasesCreated.push(svc);
        }
        await c.query(`ALTER DATABASE ${role} OWNER TO ${role}`);
        await c.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
        await withClient(superuserUrl(t, t.ports.pgRw, svc), async (inDb) => {
          await inDb.query(`ALTER SCHEMA public OWNER TO ${role}`);
          await inDb.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
        });
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => {});
    }
  });
  return result;
}

/** Where a service's migrations live: services/<svc>/migrations. */
export function migrationsDir(svc: DbServiceName): string {
  return path.join(REPO_ROOT, 'services', svc, 'migrations');
}

/** Applies every service's migrations to its own database as its own role (so the role owns its tables). */
export async function migrateAll(t: Topology, env: Env = process.env): Promise<Record<DbServiceName, MigrationResult>> {
  const results = await runMigrationsMany(
    DB_SERVICES.map((svc) => ({ url: databaseUrl(t, svc, 'rw', env), dir: migrationsDir(svc), applicationName: `${svc}-migrate` })),
  );
  return Object.fromEntries(DB_SERVICES.map((svc, i) => [svc, results[i]!])) as Record<DbServiceName, MigrationResult>;
}

/**
 * Builds the seed data in a child process (Faker 10 is ESM-only; see seed-data.ts). `now` anchors the
 * timestamps; everything else is fixed by the Faker seed.
 */
export function generateSeedData(now: Date = new Date()): Promise<SeedData> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'seed-data.ts'), now.toISOString()],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`seed data generator failed: ${error.message}${stderr ? `\n${stderr}` : ''}`));
        try {
          resolve(JSON.parse(stdout) as SeedData);
        } catch (err) {
          reject(new Error(`seed data generator printed no JSON: ${(err as Error).message}`));
        }
      },
    );
  });
}

/**
 * INSERT ... SELECT from a JSON array with ON CONFLICT DO NOTHING; returns the `returning` column of the rows
 * actually inserted. Column types come from the table itself (json_populate_recordset(NULL::table, ...)).
 */
async function insertRows(c: Client, table: string, columns: string[], rows: object[], returning = 'id'): Promise<unknown[]> {
  if (rows.length === 0) return [];
  const cols = columns.map((col) => c.escapeIdentifier(col)).join(', ');
  const tbl = c.escapeIdentifier(table);
  const res = await c.query(
    `INSERT INTO ${tbl} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${tbl}, $1::json)
     ON CONFLICT DO NOTHING RETURNING ${c.escapeIdentifier(returning)} AS k`,
    [JSON.stringify(rows)],
  );
  return res.rows.map((r: { k: unknown }) => r.k);
}

/** Moves a serial's sequence past the explicit ids just inserted (never backwards). */
async function bumpSequence(c: Client, table: string, column = 'id'): Promise<void> {
  const { rows } = await c.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [table, column]);
  const seq = rows[0]?.seq;
  if (!seq) return;
  await c.query(
    `SELECT setval($1::regclass, GREATEST((SELECT COALESCE(max(${c.escapeIdentifier(column)}), 0) FROM ${c.escapeIdentifier(table)}),
       (SELECT last_value FROM ${seq}), 1))`,
    [seq],
  );
}

async function inTransaction<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  return withClient(
    url,
    async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    },
    'brigadeiro-seed',
  );
}

/** Rows inserted per table by one seedAll run (0 everywhere when the data was already there). */
export type SeedCounts = Record<string, number>;

function seedOp(pedidoId: number, operacao: string, resultado: string, em: string) {
  return { pedido_id: pedidoId, operacao, resultado, detalhe: { origem: 'seed' }, em };
}

/**
 * Seeds every service's database, as the service's own role, one transaction per database: 6 categorias,
 * produtos 1..30, clientes 1..50, pedidos 1..100 with items and history in pedidos; payments, separations
 * (and catalogo's reservations), notas fiscais and shipments in the databases of the services that own them,
 * each with the operation it would have logged. Idempotent: rows have fixed keys and are inserted with
 * ON CONFLICT DO NOTHING (existing rows, e.g. stock changed since, are left alone); operations are logged
 * only for rows inserted by this run. `seeded` is true when anything was inserted.
 */
export async function seedAll(t: Topology, env: Env = process.env, now: Date = new Date()): Promise<{ seeded: boolean; inserted: SeedCounts }> {
  const d = await generateSeedData(now);
  const inserted: SeedCounts = {};
  const count = (table: string, n: number) => (inserted[table] = (inserted[table] ?? 0) + n);
  const url = (svc: DbServiceName) => databaseUrl(t, svc, 'rw', env);

  await inTransaction(url('catalogo'), async (c) => {
    count('categorias', (await insertRows(c, 'categorias', ['id', 'nome', 'slug'], d.categorias)).length);
    count('produtos', (await insertRows(c, 'produtos', ['id', 'nome', 'descricao', 'preco', 'estoque', 'categoria_id', 'ativo', 'criado_em'], d.produtos)).length);
    await bumpSequence(c, 'categorias');
    await bumpSequence(c, 'produtos');
    count('reservas_estoque', (await insertRows(c, 'reservas_estoque', ['referencia', 'itens', 'criado_em'], d.reservas, 'referencia')).length);
  });

  await inTransaction(url('pedidos'), async (c) => {
    count('clientes', (await insertRows(c, 'clientes', ['id', 'nome', 'email', 'criado_em'], d.clientes)).length);
    await bumpSequence(c, 'clientes');
    const novos = new Set((await insertRows(c, 'pedidos',
      ['id', 'cliente_id', 'cliente', 'carrinho_id', 'status', 'valor_total', 'metodo_pagamento', 'motivo_cancelamento', 'criado_em', 'atualizado_em'],
      d.pedidos)).map(Number));
    count('pedidos', novos.size);
    await bumpSequence(c, 'pedidos');
    // items and history only for orders this run created: a rerun adds no duplicate history
    count('itens_pedido', (await insertRows(c, 'itens_pedido', ['pedido_id', 'produto_id', 'nome', 'quantidade', 'preco_unitario'],
      d.itens_pedido.filter((i) => novos.has(i.pedido_id)))).length);
    count('pedido_historico', (await insertRows(c, 'pedido_historico', ['pedido_id', 'status', 'detalhe', 'em'],
      d.pedido_historico.filter((h) => novos.has(h.pedido_id)))).length);
  });

  await inTransaction(url('pagamentos'), async (c) => {
    const novos = new Set((await insertRows(c, 'pagamentos', ['pedido_id', 'valor', 'metodo', 'status', 'motivo', 'processado_em'], d.pagamentos, 'pedido_id')).map(Number));
    count('pagamentos', novos.size);
    const ops = d.pagamentos.filter((p) => novos.has(p.pedido_id)).map((p) => seedOp(p.pedido_id, 'autorizar', p.status, p.processado_em));
    count('pagamentos.operacoes', (await insertRows(c, 'operacoes', ['pedido_id', 'operacao', 'resultado', 'detalhe', 'em'], ops)).length);
  });

  await inTransaction(url('estoque'), async (c) => {
    const novos = new Set((await insertRows(c, 'separacoes', ['pedido_id', 'itens', 'criado_em'], d.separacoes, 'pedido_id')).map(Number));
    count('separacoes', novos.size);
    const ops = d.separacoes.filter((s) => novos.has(s.pedido_id)).map((s) => seedOp(s.pedido_id, 'separar', 'separado', s.criado_em));
    count('estoque.operacoes', (await insertRows(c, 'operacoes', ['pedido_id', 'operacao', 'resultado', 'detalhe', 'em'], ops)).length);
  });

  await inTransaction(url('fiscal'), async (c) => {
    const novos = new Set((await insertRows(c, 'notas_fiscais', ['pedido_id', 'numero', 'serie', 'chave_acesso', 'valor', 'emitida_em'], d.notas_fiscais, 'pedido_id')).map(Number));
    count('notas_fiscais', novos.size);
    await bumpSequence(c, 'notas_fiscais', 'numero');
    const ops = d.notas_fiscais.filter((n) => novos.has(n.pedido_id)).map((n) => seedOp(n.pedido_id, 'emitir', 'emitida', n.emitida_em));
    count('fiscal.operacoes', (await insertRows(c, 'operacoes', ['pedido_id', 'operacao', 'resultado', 'detalhe', 'em'], ops)).length);
  });

  await inTransaction(url('logistica'), async (c) => {
    const novos = new Set((await insertRows(c, 'envios',
      ['pedido_id', 'nota_fiscal_chave', 'codigo_rastreamento', 'status', 'criado_em', 'despachado_em', 'entregue_em'], d.envios, 'pedido_id')).map(Number));
    count('envios', novos.size);
    const ops = d.envios.filter((e) => novos.has(e.pedido_id)).flatMap((e) => [
      seedOp(e.pedido_id, 'criar_envio', 'aguardando_envio', e.criado_em),
      ...(e.despachado_em ? [seedOp(e.pedido_id, 'despachar', 'enviado', e.despachado_em)] : []),
      ...(e.entregue_em ? [seedOp(e.pedido_id, 'entregar', 'entregue', e.entregue_em)] : []),
    ]);
    count('logistica.operacoes', (await insertRows(c, 'operacoes', ['pedido_id', 'operacao', 'resultado', 'detalhe', 'em'], ops)).length);
  });

  return { seeded: Object.values(inserted).some((n) => n > 0), inserted };
}

/**
 * Empties every service's tables (all but postgrator's schemaversion; sequences restarted) and every cart in
 * Redis, so that seedAll puts the stack's data back to the seed: what tests and ad hoc runs left behind goes.
 * One TRUNCATE per database, as the service's own role (it owns its tables). The migrations stay applied.
 */
export async function resetData(t: Topology, env: Env = process.env): Promise<{ tables: number; carts: number }> {
  let tables = 0;
  for (const svc of DB_SERVICES) {
    await withClient(databaseUrl(t, svc, 'rw', env), async (c) => {
      const { rows } = await c.query<{ nome: string }>(
        "SELECT tablename AS nome FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schemaversion' ORDER BY 1",
      );
      if (rows.length) await c.query(`TRUNCATE ${rows.map((r) => c.escapeIdentifier(r.nome)).join(', ')} RESTART IDENTITY CASCADE`);
      tables += rows.length;
    }, 'brigadeiro-reset');
  }
  const redis = new Redis(redisUrl(t), { lazyConnect: true, maxRetriesPerRequest: 1 });
  let carts = 0;
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: 'carrinho:*', count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) carts += await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return { tables, carts };
}

export type { SeedData } from './seed-data';
export type { MigrationResult } from '@brigadeiro/db';
