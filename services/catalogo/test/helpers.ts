/**
 * Test support for catalogo: the app on the REAL databases of the running stack (found through the
 * topology: read-write and read-only HAProxy endpoints), factories that make uniquely named data and
 * remove it afterwards, and a wait for the replica to replay what the primary wrote.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@brigadeiro/logger';
import { createMetrics, type Metrics } from '@brigadeiro/metrics';
import { databaseUrl, loadTopology } from '@brigadeiro/topology';
import { createApp } from '../src/app';
import { closeCatalogoDb, createCatalogoDb, type CatalogoDb } from '../src/data/clientes';

export const ADMIN_TOKEN = 'catalogo-test-admin-token';
export const ADMIN = { Authorization: `Bearer ${ADMIN_TOKEN}` };

export const topology = loadTopology();

export function silentLogger() {
  return createLogger({ service: 'catalogo', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
}

/** Both clients on the stack's endpoints (or on the URLs given, e.g. an unreachable one). */
export function openDb(urls: { write?: string; read?: string } = {}): CatalogoDb {
  return createCatalogoDb({
    writeUrl: urls.write ?? databaseUrl(topology, 'catalogo', 'rw'),
    readUrl: urls.read ?? databaseUrl(topology, 'catalogo', 'ro'),
    poolMax: 10,
  });
}

export function buildApp(db: CatalogoDb, metrics: Metrics = createMetrics({ service: 'catalogo' })) {
  return createApp({ logger: silentLogger(), metrics, db, adminToken: ADMIN_TOKEN });
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface ProdutoCriado {
  id: number;
  nome: string;
  categoriaId: number;
}

/**
 * Makes categories and products straight in the primary with unique names, and removes them in `limpar()`
 * (call it in afterEach). Reference data (seeds) is never touched.
 */
export function fabrica(db: CatalogoDb) {
  const categorias: number[] = [];
  return {
    async categoria(): Promise<{ id: number; nome: string; slug: string }> {
      const slug = unique('teste').toLowerCase();
      const c = await db.write.categoria.create({ data: { nome: `Categoria ${slug}`, slug } });
      categorias.push(c.id);
      return c;
    },
    async produto(
      categoriaId: number,
      campos: { nome?: string; preco?: string; estoque?: number; ativo?: boolean; descricao?: string | null } = {},
    ): Promise<ProdutoCriado> {
      const p = await db.write.produto.create({
        data: {
          nome: campos.nome ?? unique('Brigadeiro'),
          descricao: campos.descricao === undefined ? 'feito no teste' : campos.descricao,
          preco: campos.preco ?? '4.50',
          estoque: campos.estoque ?? 10,
          ativo: campos.ativo ?? true,
          categoriaId,
        },
      });
      return { id: p.id, nome: p.nome, categoriaId };
    },
    async limpar(): Promise<void> {
      const ids = categorias.splice(0);
      if (ids.length === 0) return;
      await db.write.produto.deleteMany({ where: { categoriaId: { in: ids } } });
      await db.write.categoria.deleteMany({ where: { id: { in: ids } } });
    },
  };
}

/**
 * Waits until the read-only endpoint has replayed everything the primary has written so far (at once when
 * that endpoint is the primary itself). This waits for replication; it asserts nothing about its speed.
 */
export async function aguardarReplica(db: CatalogoDb, limiteMs = 20_000): Promise<void> {
  const [{ lsn } = { lsn: '' }] = await db.write.$queryRaw<{ lsn: string }[]>`SELECT pg_current_wal_lsn()::text AS lsn`;
  const fim = Date.now() + limiteMs;
  for (;;) {
    const { rows } = await db.read.query<{ ok: boolean }>(
      'SELECT NOT pg_is_in_recovery() OR coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS ok',
      [lsn],
    );
    if (rows[0]?.ok) return;
    if (Date.now() > fim) throw new Error(`the read-only endpoint did not replay up to ${lsn} within ${limiteMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the read-only endpoint currently reaches a replica (HAProxy falls back to the primary). */
export async function leituraNaReplica(db: CatalogoDb): Promise<boolean> {
  const { rows } = await db.read.query<{ replica: boolean }>('SELECT pg_is_in_recovery() AS replica');
  return rows[0]?.replica === true;
}

export { closeCatalogoDb };
