/** The catalogue's own errors; the shared error handler turns them into JSON problem bodies. */
import { AppError, ConflictError, NotFoundError } from '@brigadeiro/errors';

export class ProdutoNaoEncontradoError extends NotFoundError {
  constructor(id: number) {
    super(`produto ${id} not found`);
  }
}

/** 422: the body is well formed but names a category that does not exist. */
export class CategoriaDesconhecidaError extends AppError {
  constructor(categoriaId: number) {
    super(422, 'unknown_categoria', `categoria_id ${categoriaId} does not exist`, [
      { field: 'body.categoria_id', message: `no categoria with id ${categoriaId}` },
    ]);
  }
}

export class EstoqueInsuficienteError extends ConflictError {
  constructor(id: number, disponivel: number, solicitado: number) {
    super('insufficient_stock', `insufficient stock for produto ${id}: ${disponivel} available, ${solicitado} requested`, {
      produto_id: id,
      disponivel,
      solicitado,
    });
  }
}

export class EstoqueExcedidoError extends ConflictError {
  constructor(id: number, atual: number, solicitado: number, maximo: number) {
    super('stock_limit_exceeded', `stock of produto ${id} cannot exceed ${maximo}: ${atual} held, ${solicitado} to add`, {
      produto_id: id,
      estoque: atual,
      solicitado,
      maximo,
    });
  }
}
