-- estoque: one separation per order (idempotent by pedido_id); the stock itself lives in catalogo.

CREATE TABLE separacoes (
  id          bigserial PRIMARY KEY,
  pedido_id   bigint NOT NULL UNIQUE,
  status      text   NOT NULL DEFAULT 'separado' CHECK (status IN ('separado', 'liberado')),
  itens       jsonb  NOT NULL CHECK (jsonb_typeof(itens) = 'array'),  -- [{"produto_id": 1, "quantidade": 2}, ...]
  criado_em   timestamptz NOT NULL DEFAULT now(),
  liberado_em timestamptz,
  CHECK ((status = 'liberado') = (liberado_em IS NOT NULL))
);

-- Every operation this service performs (including refusals and repeats), for audit and for the demos.
CREATE TABLE operacoes (
  id        bigserial PRIMARY KEY,
  pedido_id bigint,
  operacao  text NOT NULL CHECK (btrim(operacao) <> ''),
  resultado text NOT NULL CHECK (btrim(resultado) <> ''),
  detalhe   jsonb,
  em        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operacoes_pedido_id_idx ON operacoes (pedido_id);
CREATE INDEX operacoes_em_idx ON operacoes (em);
