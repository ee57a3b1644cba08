-- pagamentos: one payment per order (idempotent by pedido_id) and the log of operations.

CREATE TABLE pagamentos (
  id           bigserial PRIMARY KEY,
  pedido_id    bigint NOT NULL UNIQUE,
  valor        numeric(12,2) NOT NULL CHECK (valor >= 0),
  metodo       text NOT NULL CHECK (metodo IN ('cartao_credito', 'boleto', 'pix')),
  status       text NOT NULL CHECK (status IN ('pendente', 'aprovado', 'rejeitado', 'estornado')),
  motivo       text,  -- why it was rejected, when it was
  processado_em timestamptz NOT NULL DEFAULT now(),
  estornado_em timestamptz,
  CHECK ((status = 'estornado') = (estornado_em IS NOT NULL))
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
