/** Categories, read on the read-only pool with the node that served them and their active product counts. */
import type { Categoria, CategoriasRepository, Served } from '../domain/produto';
import { RETRY_LEITURA, lerLinha, noBanco, type CatalogoDb } from './clientes';

const LISTAR = {
  name: 'catalogo_categorias',
  text: `SELECT pg_is_in_recovery() AS replica,
                coalesce((SELECT json_agg(x ORDER BY x.id) FROM (
                   SELECT c.id, c.nome, c.slug, (count(p.id) FILTER (WHERE p.ativo))::int AS quantidade_produtos
                   FROM categorias c LEFT JOIN produtos p ON p.categoria_id = c.id
                   GROUP BY c.id) x),
                  '[]'::json) AS categorias`,
};

export function createCategoriasRepository(db: CatalogoDb): CategoriasRepository {
  return {
    listar: () =>
      noBanco(async (): Promise<Served<Categoria[]>> => {
        const linha = await lerLinha<{ replica: boolean; categorias: Categoria[] }>(db.read, LISTAR);
        return { value: linha.categorias, servedBy: linha.replica ? 'replica' : 'primary' };
      }, RETRY_LEITURA),
  };
}
