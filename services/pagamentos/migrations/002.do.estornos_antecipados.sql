-- pagamentos: an estorno that arrives BEFORE its authorisation. It happens when the caller (pedidos) timed out
-- waiting for the authorisation, compensated, and the authorisation was still on its way (slow network, injected
-- latency). The estorno is remembered here so the late authorisation is declined instead of charging an order
-- that is already cancelled. Both operations take pg_advisory_xact_lock(pedido_id), so neither can miss the other.

CREATE TABLE estornos_antecipados (
  pedido_id bigint PRIMARY KEY,
  em        timestamptz NOT NULL DEFAULT now()
);
