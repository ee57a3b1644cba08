-- catalogo: atomic multi-item stock reservations, keyed by the caller's reference (estoque uses "pedido-<id>"),
-- so a retried reservation or release finds its row and never moves the stock twice.
-- Named reservas_estoque because 001 already has a per-(order, product) table called reservas that the seed
-- and the data-layer tests use; this one holds a whole reservation (all its items) in one row.

CREATE TABLE reservas_estoque (
  referencia  text PRIMARY KEY CHECK (referencia ~ '^[A-Za-z0-9._:-]{1,100}$'),
  status      text NOT NULL DEFAULT 'reservada' CHECK (status IN ('reservada', 'liberada')),
  itens       jsonb NOT NULL CHECK (jsonb_typeof(itens) = 'array'),  -- [{"produto_id": 1, "quantidade": 2}, ...]
  criado_em   timestamptz NOT NULL DEFAULT now(),
  liberado_em timestamptz,
  CHECK ((status = 'liberada') = (liberado_em IS NOT NULL))
);
CREATE INDEX reservas_estoque_criado_em_idx ON reservas_estoque (criado_em);
