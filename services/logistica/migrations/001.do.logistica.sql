-- logistica: one shipment per order (idempotent by pedido_id), with a Correios (UPU S10) tracking code.

CREATE TABLE envios (
  id                  bigserial PRIMARY KEY,
  pedido_id           bigint   NOT NULL UNIQUE,
  nota_fiscal_chave   char(44) CHECK (nota_fiscal_chave ~ '^[0-9]{44}$'),
  codigo_rastreamento char(13) NOT NULL UNIQUE CHECK (codigo_rastreamento ~ '^[A-Z]{2}[0-9]{9}[A-Z]{2}$'),
  status              text     NOT NULL DEFAULT 'aguardando_envio' CHECK (status IN ('aguardando_envio', 'enviado', 'entregue')),
  criado_em           timestamptz NOT NULL DEFAULT now(),
  despachado_em       timestamptz,
  entregue_em         timestamptz,
  CHECK (status = 'aguardando_envio' OR despachado_em IS NOT NULL),
  CHECK (status <> 'entregue' OR entregue_em IS NOT NULL)
);
CREATE INDEX envios_status_idx ON envios (status);

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
