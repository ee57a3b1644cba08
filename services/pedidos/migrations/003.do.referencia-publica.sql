-- pedidos: the order's public reference. Clients see and ask for an order only by this unguessable UUID v4
-- (the API's `id`, the Location header, error details); the sequential row id stays inside the system (the
-- downstream services and the queue key on it), so nobody can read an order by counting.
ALTER TABLE pedidos ADD COLUMN referencia uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE pedidos ADD CONSTRAINT pedidos_referencia_key UNIQUE (referencia);
