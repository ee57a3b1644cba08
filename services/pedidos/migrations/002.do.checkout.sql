-- pedidos: what the checkout chain needs on top of 001.
--  * one live order per cart: a second Idempotency-Key for a cart that already has an order that is not
--    cancelled fails on this index inside the transaction that would create it (409), so two concurrent
--    checkouts of one cart can never both pay;
--  * what the downstream services answered (payment id, nota fiscal, tracking code), so GET shows it and a
--    replay does not have to ask them again;
--  * the HTTP status the checkout answered (NULL while the chain is still running), for Idempotency-Key replays.
CREATE UNIQUE INDEX pedidos_carrinho_ativo_uidx ON pedidos (carrinho_id) WHERE status <> 'cancelado';

ALTER TABLE pedidos
  ADD COLUMN pagamento_id        integer,
  ADD COLUMN nf_numero           integer,
  ADD COLUMN nf_serie            integer,
  ADD COLUMN nf_chave            text CHECK (nf_chave ~ '^[0-9]{44}$'),
  ADD COLUMN codigo_rastreamento text,
  ADD COLUMN resposta_status     integer CHECK (resposta_status BETWEEN 200 AND 599);
