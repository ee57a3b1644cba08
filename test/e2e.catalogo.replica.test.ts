/**
 * Replication made visible, through the gateway of the running stack: with WAL replay paused on the
 * replica, a product renamed on the primary still reads with its old name (served by the replica); once
 * replay resumes, the new name appears. Patroni (3.0.2) resumes a paused replay at its next loop (it takes
 * any pause on PostgreSQL 14+ for one a parameter change caused), so the cluster is put in Patroni's
 * maintenance mode (`pause`) for the test: the CI failure "replica, yet the new name" was that resume.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, gatewayUrl, loadTopology, superuserUrl } from '@brigadeiro/topology';
import { patchPatroniConfig } from '../scripts/failover/series';

const t = loadTopology();
const GATEWAY = gatewayUrl(t);
const ADMIN = { Authorization: `Bearer ${t.adminToken}`, 'Content-Type': 'application/json' };

interface Produto {
  id: number;
  nome: string;
}

/** A read that bypasses the gateway's micro-cache: the no-cache request header, and a unique query too. */
async function lerSemCache(id: number): Promise<{ status: number; servedBy: string | null; produto: Produto }> {
  const res = await fetch(`${GATEWAY}/api/v1/produtos/${id}?_=${randomUUID()}`, { headers: { 'Cache-Control': 'no-cache' } });
  return { status: res.status, servedBy: res.headers.get('x-served-by'), produto: (await res.json()) as Produto };
}

/** Polls until `ok` holds: this waits for replication; it asserts nothing about its speed. */
async function ate<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, limiteMs = 20_000): Promise<T> {
  const fim = Date.now() + limiteMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > fim) throw new Error(`${what}: still not true after ${limiteMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Patroni's maintenance mode on or off (PATCH /config), then until both members report it. */
async function manutencao(ligada: boolean): Promise<void> {
  const portas = [t.ports.patroni1, t.ports.patroni2];
  await patchPatroniConfig(t, { pause: ligada });
  await ate(
    `Patroni maintenance mode ${ligada ? 'on' : 'off'} on both members`,
    () => Promise.all(portas.map((porta) => fetch(`http://127.0.0.1:${porta}/patroni`).then((r) => r.json() as Promise<{ pause?: boolean }>))),
    (estados) => estados.every((e) => (e.pause === true) === ligada),
  );
}

describe('catalogo replication through the gateway', () => {
  const primario = new Client({ connectionString: databaseUrl(t, 'catalogo', 'rw') });
  const replica = new Client({ connectionString: superuserUrl(t, t.ports.pgRo) });
  let categoriaId: number | undefined;

  beforeAll(async () => {
    await primario.connect();
    await replica.connect();
  });

  afterAll(async () => {
    // Never leave the replica paused or Patroni in maintenance mode, even if the test died half-way.
    await replica.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await manutencao(false).catch(() => undefined);
    if (categoriaId !== undefined) {
      await primario.query('DELETE FROM produtos WHERE categoria_id = $1', [categoriaId]);
      await primario.query('DELETE FROM categorias WHERE id = $1', [categoriaId]);
    }
    await Promise.all([primario.end(), replica.end()]);
  });

  it('when WAL replay is paused on the replica, then a rename on the primary reads old (X-Served-By: replica) until replay resumes', async () => {
    const slug = `e2e-replica-${randomUUID().slice(0, 8)}`;
    const { rows } = await primario.query<{ id: number }>('INSERT INTO categorias (nome, slug) VALUES ($1, $2) RETURNING id', [`Categoria ${slug}`, slug]);
    categoriaId = rows[0]?.id;
    const antigo = `Brigadeiro ${slug}`;
    const novo = `Brigadeiro renomeado ${slug}`;

    const criado = await fetch(`${GATEWAY}/api/v1/produtos`, {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ nome: antigo, preco: '3.50', estoque: 10, categoria_id: categoriaId }),
    });
    expect(criado.status).toBe(201);
    const { id } = (await criado.json()) as Produto;

    // The read-only endpoint must be a real replica for this test to mean anything: the stack always has one.
    const { rows: recovery } = await replica.query<{ replica: boolean }>('SELECT pg_is_in_recovery() AS replica');
    expect(recovery[0]?.replica).toBe(true);
    const visivel = await ate('the new product visible on the replica', () => lerSemCache(id), (r) => r.status === 200);
    expect(visivel.servedBy).toBe('replica');

    await manutencao(true);
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const { rows: estado } = await replica.query<{ estado: string }>('SELECT pg_get_wal_replay_pause_state() AS estado');
      expect(['paused', 'pause requested']).toContain(estado[0]?.estado);

      const renomeado = await fetch(`${GATEWAY}/api/v1/produtos/${id}`, { method: 'PATCH', headers: ADMIN, body: JSON.stringify({ nome: novo }) });
      expect(renomeado.status).toBe(200);
      expect(((await renomeado.json()) as Produto).nome).toBe(novo);

      const atrasado = await lerSemCache(id);
      expect(atrasado.status).toBe(200);
      expect(atrasado.servedBy).toBe('replica');
      expect(atrasado.produto.nome).toBe(antigo);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
      await manutencao(false);
    }

    const alcancado = await ate('the new name visible after replay resumed', () => lerSemCache(id), (r) => r.produto.nome === novo);
    expect(alcancado.servedBy).toBe('replica');
  });
});
