-- catalogo: each product keeps its own JSON, exactly as GET /api/v1/produtos sends it, so the list (the
-- marketplace's hottest read) is a concatenation of stored text instead of a join and a row_to_json per
-- row on every request. The database keeps it right: a trigger rewrites it on every INSERT and UPDATE of
-- the product (raw SQL included: stock reservations) and when its category is renamed.
--
-- produto_json() is the one definition of that JSON: Produto's fields in order (src/domain/produto.ts),
-- money as an exact string with two decimals ("12.90").

CREATE FUNCTION produto_json(p produtos) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT row_to_json(x)::text FROM (
    SELECT p.id, p.nome, p.descricao, p.preco::text AS preco, p.estoque, c.nome AS categoria, p.categoria_id, p.ativo
    FROM categorias c WHERE c.id = p.categoria_id
  ) x
$$;

-- Nullable on purpose: a product naming an unknown categoria_id must fail on its foreign key (23503, which
-- the service answers as 422 unknown_categoria), not on NOT NULL first (23502). Every stored row has it.
ALTER TABLE produtos ADD COLUMN json text;

CREATE FUNCTION set_produto_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.json := produto_json(NEW);
  RETURN NEW;
END;
$$;

CREATE TRIGGER produtos_json BEFORE INSERT OR UPDATE ON produtos
  FOR EACH ROW EXECUTE FUNCTION set_produto_json();

CREATE FUNCTION renomear_categoria_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE produtos SET json = NULL WHERE categoria_id = NEW.id; -- produtos_json writes the new text
  RETURN NULL;
END;
$$;

CREATE TRIGGER categorias_json AFTER UPDATE OF nome ON categorias
  FOR EACH ROW WHEN (OLD.nome IS DISTINCT FROM NEW.nome) EXECUTE FUNCTION renomear_categoria_json();

-- Fill the existing rows without touching atualizado_em (nothing about the products changed).
ALTER TABLE produtos DISABLE TRIGGER produtos_atualizado_em;
UPDATE produtos SET json = NULL;
ALTER TABLE produtos ENABLE TRIGGER produtos_atualizado_em;
