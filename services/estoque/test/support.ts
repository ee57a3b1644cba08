import { randomUUID } from 'node:crypto';
import axios from 'axios';
import { Pool } from 'pg';
import { databaseUrl, serviceUrl, type Topology } from '@brigadeiro/topology';
import { referencia } from '../src/data/catalogo.client';

/**
 * Products made for a test through catalogo's admin API on the stack's real catalogo (so its own rules apply),
 * read and removed afterwards straight in catalogo's database (the API only soft-deletes).
 */
export function produtosDeTeste(t: Topology) {
  const catalogo = serviceUrl(t, 'catalogo');
  const auth = { Authorization: `Bearer ${t.adminToken}` };
  const pool = new Pool({ connectionString: databaseUrl(t, 'catalogo', 'rw'), max: 2 });
  const criados: number[] = [];
  let categoriaId: number | undefined;
  return {
    async produto(estoque: number): Promise<number> {
      if (categoriaId === undefined) {
        const cats = await axios.get<{ id: number }[]>(`${catalogo}/api/v1/categorias`);
        categoriaId = cats.data[0]!.id;
      }
      const res = await axios.post<{ id: number }>(
        `${catalogo}/api/v1/produtos`,
        { nome: `Teste estoque ${randomUUID().slice(0, 8)}`, preco: '3.50', estoque, categoria_id: categoriaId },
        { headers: auth },
      );
      criados.push(res.data.id);
      return res.data.id;
    },
    async estoque(id: number): Promise<number> {
      const { rows } = await pool.query<{ estoque: number }>('SELECT estoque FROM produtos WHERE id = $1', [id]);
      return rows[0]!.estoque;
    },
    /** Reserves straight at catalogo, as estoque would (for the "answer lost" case). */
    async reservarNoCatalogo(pedidoId: number, itens: { produto_id: number; quantidade: number }[]): Promise<number> {
      const res = await axios.post(`${catalogo}/internal/v1/reservas`, { referencia: referencia(pedidoId), itens });
      return res.status;
    },
    async limpar(pedidoIds: number[]): Promise<void> {
      await pool.query('DELETE FROM reservas_estoque WHERE referencia = ANY($1::text[])', [pedidoIds.map(referencia)]);
      await pool.query('DELETE FROM produtos WHERE id = ANY($1::int[])', [criados.splice(0)]);
    },
    close: () => pool.end(),
  };
}
