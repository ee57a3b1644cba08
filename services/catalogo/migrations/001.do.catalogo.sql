-- catalogo: categories, products and their stock. Stock never goes negative: the CHECK below is the last
-- line of defence behind the service's conditional updates (UPDATE ... SET estoque = estoque - $n WHERE estoque >= $n).

CREATE FUNCTION set_atualizado_em() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.atualizado_em := now();
  RETURN NEW;
END;
$$;

CREATE TABLE categorias (
  id   serial PRIMARY KEY,
  nome text NOT NULL UNIQUE CHECK (btrim(nome) <> ''),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

CREATE TABLE produtos (
  id            serial PRIMARY KEY,
  nome          text NOT NULL CHECK (btrim(nome) <> ''),
  descricao     text,
  preco         numeric(12,2) NOT NULL CONSTRAINT produtos_preco_nao_negativo CHECK (preco >= 0),
  estoque       integer NOT NULL DEFAULT 0 CONSTRAINT produtos_estoque_nao_negativo CHECK (estoque >= 0),
  categoria_id  integer NOT NULL REFERENCES categorias (id) ON DELETE RESTRICT,
  ativo         boolean NOT NULL DEFAULT true,
  criado_em     timestamptz NOT NULL DEFAULT now(),
  atualizado_em timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX produtos_categoria_id_idx ON produtos (categoria_id);

CREATE TRIGGER produtos_atualizado_em BEFORE UPDATE ON produtos
  FOR EACH ROW EXECUTE FUNCTION set_atualizado_em();

-- Stock held for an order (estoque asks catalogo to reserve, and to release on compensation). One row per
-- (order, product) makes reserve and release idempotent by order id: a retried call finds its row.
CREATE TABLE reservas (
  pedido_id   bigint  NOT NULL,
  produto_id  integer NOT NULL REFERENCES produtos (id) ON DELETE RESTRICT,
  quantidade  integer NOT NULL CHECK (quantidade > 0),
  status      text    NOT NULL DEFAULT 'reservado' CHECK (status IN ('reservado', 'liberado')),
  criado_em   timestamptz NOT NULL DEFAULT now(),
  liberado_em timestamptz,
  PRIMARY KEY (pedido_id, produto_id),
  CHECK ((status = 'liberado') = (liberado_em IS NOT NULL))
);
CREATE INDEX reservas_produto_id_idx ON reservas (produto_id);
