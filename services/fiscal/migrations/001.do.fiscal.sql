-- fiscal: one nota fiscal per order (idempotent by pedido_id). Invoice numbers come from a sequence, as the
-- law wants them sequential; take one with nextval('notas_fiscais_numero_seq') before building the access key.

CREATE TABLE notas_fiscais (
  id           bigserial PRIMARY KEY,
  pedido_id    bigint   NOT NULL UNIQUE,
  numero       bigserial NOT NULL UNIQUE CHECK (numero BETWEEN 1 AND 999999999),
  serie        integer  NOT NULL DEFAULT 1 CHECK (serie BETWEEN 0 AND 999),
  chave_acesso char(44) NOT NULL UNIQUE CHECK (chave_acesso ~ '^[0-9]{44}$'),
  valor        numeric(12,2) NOT NULL CHECK (valor >= 0),
  emitida_em   timestamptz NOT NULL DEFAULT now()
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
