-- catalogo: one table of stock reservations. 001's per-(order, product) `reservas` was written only by the seed,
-- beside `reservas_estoque` (002), which the reservation endpoint uses: its rows move over as whole reservations
-- under estoque's reference ("pedido-<id>"), then it goes.
INSERT INTO reservas_estoque (referencia, status, itens, criado_em, liberado_em)
SELECT 'pedido-' || pedido_id,
       CASE WHEN bool_and(status = 'liberado') THEN 'liberada' ELSE 'reservada' END,
       jsonb_agg(jsonb_build_object('produto_id', produto_id, 'quantidade', quantidade) ORDER BY produto_id),
       min(criado_em),
       CASE WHEN bool_and(status = 'liberado') THEN max(liberado_em) END
FROM reservas
GROUP BY pedido_id
ON CONFLICT (referencia) DO NOTHING;

DROP TABLE reservas;
