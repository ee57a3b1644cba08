-- pagamentos: the authorisation is ONE statement (src/data/pagamentos.repository.ts). It must take the order's
-- advisory lock, which serialises it with the estorno (migrations/002), and only THEN look for an estorno that
-- arrived first. A statement's own reads all use the snapshot taken when it began, before it waited for the
-- lock, so they would miss an estorno committed during that wait and approve a cancelled order. A plpgsql
-- function's queries each take a fresh snapshot: the lookup below runs after the lock and sees that estorno.

CREATE FUNCTION estorno_antecipado_travado(pedido bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(pedido);
  RETURN EXISTS (SELECT 1 FROM estornos_antecipados WHERE pedido_id = pedido);
END;
$$;
