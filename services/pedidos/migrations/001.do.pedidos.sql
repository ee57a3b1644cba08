-- pedidos: customers, orders with their items and status history, and the durable queue of checkout
-- steps still to finish (a failure after payment and stock are secured is finished later from here).

CREATE FUNCTION set_atualizado_em() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.atualizado_em := now();
  RETURN NEW;
END;
$$;

CREATE TABLE clientes (
  id        serial PRIMARY KEY,
  nome      text NOT NULL CHECK (btrim(nome) <> ''),
  email     text NOT NULL UNIQUE CHECK (position('@' IN email) > 1),
  criado_em timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pedidos (
  id                  bigserial PRIMARY KEY,
  cliente_id          integer REFERENCES clientes (id) ON DELETE SET NULL,
  -- who bought, as given at checkout (nome, email, documento, endereco...): the order keeps its own copy
  cliente             jsonb,
  carrinho_id         text,
  idempotency_key     text UNIQUE,
  status              text NOT NULL DEFAULT 'pendente' CHECK (status IN
                        ('pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado', 'entregue', 'cancelado')),
  valor_total         numeric(12,2) NOT NULL DEFAULT 0 CHECK (valor_total >= 0),
  metodo_pagamento    text CHECK (metodo_pagamento IN ('cartao_credito', 'boleto', 'pix')),
  motivo_cancelamento text,
  criado_em           timestamptz NOT NULL DEFAULT now(),
  atualizado_em       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pedidos_cliente_id_idx ON pedidos (cliente_id);
CREATE INDEX pedidos_status_idx ON pedidos (status);
CREATE INDEX pedidos_criado_em_idx ON pedidos (criado_em);

CREATE TRIGGER pedidos_atualizado_em BEFORE UPDATE ON pedidos
  FOR EACH ROW EXECUTE FUNCTION set_atualizado_em();

CREATE TABLE itens_pedido (
  id             bigserial PRIMARY KEY,
  pedido_id      bigint  NOT NULL REFERENCES pedidos (id) ON DELETE CASCADE,
  produto_id     integer NOT NULL,  -- catalogo's product id (another database: no foreign key)
  nome           text    NOT NULL,  -- name and price as they were when the order was placed
  quantidade     integer NOT NULL CHECK (quantidade > 0),
  preco_unitario numeric(12,2) NOT NULL CHECK (preco_unitario >= 0),
  UNIQUE (pedido_id, produto_id)
);

CREATE TABLE pedido_historico (
  id        bigserial PRIMARY KEY,
  pedido_id bigint NOT NULL REFERENCES pedidos (id) ON DELETE CASCADE,
  status    text   NOT NULL CHECK (status IN
              ('pendente', 'pagamento_aprovado', 'em_separacao', 'nf_emitida', 'enviado', 'entregue', 'cancelado')),
  detalhe   text,
  em        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pedido_historico_pedido_id_em_idx ON pedido_historico (pedido_id, em);

-- One row per checkout step still to do for an order (etapa: e.g. 'fiscal', 'logistica', 'estornar_pagamento').
-- A worker takes due rows with SELECT ... FOR UPDATE SKIP LOCKED, retries with backoff, deletes on success.
CREATE TABLE tarefas_pendentes (
  id                   bigserial PRIMARY KEY,
  pedido_id            bigint  NOT NULL REFERENCES pedidos (id) ON DELETE CASCADE,
  etapa                text    NOT NULL CHECK (btrim(etapa) <> ''),
  tentativas           integer NOT NULL DEFAULT 0 CHECK (tentativas >= 0),
  proxima_tentativa_em timestamptz NOT NULL DEFAULT now(),
  ultimo_erro          text,
  criado_em            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pedido_id, etapa)
);
CREATE INDEX tarefas_pendentes_proxima_tentativa_em_idx ON tarefas_pendentes (proxima_tentativa_em);
