-- catalogo: a stock reservation and its release, each ONE call (src/data/reservas.repository.ts), instead of
-- an interactive transaction of a statement per product: each round trip through Prisma cost the service
-- 1-3 ms of CPU, and the reservation is on every checkout. The rules are the ones 002 describes:
-- - reservar_estoque: insert the reservation (ON CONFLICT DO NOTHING: a repeat, or a tombstone left by a
--   release that came first, is answered as stored, criada false, and touches nothing), then one conditional
--   decrement per product in produto_id order, so two reservations over the same products lock them in the
--   same order and cannot deadlock. A shortfall, or an unknown or inactive product, RAISEs: the statement
--   fails as a whole, so the row and every decrement made so far roll back.
-- - liberar_estoque: the transition reservada -> liberada is the guard, so the stock comes back exactly once.
--   Releasing a referencia never reserved leaves a tombstone (liberada, no items).
-- Both run under READ COMMITTED like the transactions they replace, and each query of a plpgsql function
-- takes a fresh snapshot: the lookup after a conflicting INSERT sees the row that INSERT waited for.
--
-- The two errors the service turns into HTTP answers have their own SQLSTATEs (class CE, no PostgreSQL
-- class uses it), with the facts in DETAIL as JSON:
--   CE409  insufficient stock    DETAIL {"produto_id": 3, "disponivel": 1, "solicitado": 2}   -> 409
--   CE404  unknown or inactive   DETAIL {"produto_id": 3}                                     -> 404
-- produto_id is read as bigint: the API accepts any positive integer, and an id past int4 is simply a
-- product that does not exist (404), not an out-of-range error.

CREATE FUNCTION reservar_estoque(p_referencia text, p_itens jsonb)
RETURNS TABLE (criada boolean, referencia text, status text, itens jsonb, criado_em timestamptz, liberado_em timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  linha reservas_estoque;
  item record;
  atual record;
BEGIN
  INSERT INTO reservas_estoque AS r (referencia, itens) VALUES (p_referencia, p_itens)
  ON CONFLICT (referencia) DO NOTHING
  RETURNING r.* INTO linha;
  criada := FOUND;
  IF NOT criada THEN
    SELECT r.* INTO linha FROM reservas_estoque r WHERE r.referencia = p_referencia;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'reservation % vanished after a conflicting insert', p_referencia;
    END IF;
  ELSE
    FOR item IN
      SELECT x.produto_id, x.quantidade FROM jsonb_to_recordset(p_itens) AS x (produto_id bigint, quantidade integer)
      ORDER BY x.produto_id
    LOOP
      UPDATE produtos p SET estoque = p.estoque - item.quantidade
      WHERE p.id = item.produto_id AND p.ativo AND p.estoque >= item.quantidade;
      CONTINUE WHEN FOUND;
      SELECT p.estoque, p.ativo INTO atual FROM produtos p WHERE p.id = item.produto_id;
      IF NOT FOUND OR NOT atual.ativo THEN
        RAISE EXCEPTION USING
          ERRCODE = 'CE404',
          MESSAGE = format('produto %s does not exist or is inactive', item.produto_id),
          DETAIL = json_build_object('produto_id', item.produto_id)::text;
      END IF;
      RAISE EXCEPTION USING
        ERRCODE = 'CE409',
        MESSAGE = format('insufficient stock for produto %s: %s available, %s requested', item.produto_id, atual.estoque, item.quantidade),
        DETAIL = json_build_object('produto_id', item.produto_id, 'disponivel', atual.estoque, 'solicitado', item.quantidade)::text;
    END LOOP;
  END IF;
  referencia := linha.referencia;
  status := linha.status;
  itens := linha.itens;
  criado_em := linha.criado_em;
  liberado_em := linha.liberado_em;
  RETURN NEXT;
END;
$$;

-- No row: nothing was reserved under the referencia (unknown, or a tombstone).
CREATE FUNCTION liberar_estoque(p_referencia text) RETURNS SETOF reservas_estoque
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  linha reservas_estoque;
  item record;
BEGIN
  -- At most twice: if the tombstone's INSERT conflicts, a reservation was committed meanwhile (the INSERT
  -- waited for it): release that one.
  FOR tentativa IN 1..2 LOOP
    UPDATE reservas_estoque r SET status = 'liberada', liberado_em = now()
    WHERE r.referencia = p_referencia AND r.status = 'reservada'
    RETURNING r.* INTO linha;
    IF FOUND THEN
      FOR item IN
        SELECT x.produto_id, x.quantidade FROM jsonb_to_recordset(linha.itens) AS x (produto_id bigint, quantidade integer)
        ORDER BY x.produto_id
      LOOP
        UPDATE produtos p SET estoque = p.estoque + item.quantidade WHERE p.id = item.produto_id;
      END LOOP;
      RETURN NEXT linha;
      RETURN;
    END IF;
    EXIT WHEN tentativa = 2;
    -- Nothing reserved (yet). Leave a tombstone under the referencia, so a reservation still on its way (the
    -- caller timed out and is compensating) finds it and takes nothing.
    INSERT INTO reservas_estoque AS r (referencia, status, itens, liberado_em) VALUES (p_referencia, 'liberada', '[]'::jsonb, now())
    ON CONFLICT (referencia) DO NOTHING;
    IF FOUND THEN
      RETURN;
    END IF;
  END LOOP;
  -- Already released (returned as stored), or a tombstone ("no reservation" to the caller).
  RETURN QUERY SELECT r.* FROM reservas_estoque r WHERE r.referencia = p_referencia AND jsonb_array_length(r.itens) > 0;
END;
$$;
