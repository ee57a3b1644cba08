import { AutorizarPagamento, CriarPedido, Dinheiro, Falhas, PedidoId, PedidoIdParams } from '../src';

describe('checkout contracts', () => {
  it('when money is a float or has three decimals, then it is refused', () => {
    expect(Dinheiro.safeParse('12.90').success).toBe(true);
    expect(Dinheiro.safeParse('12.9').success).toBe(false);
    expect(Dinheiro.safeParse('12.901').success).toBe(false);
    expect(Dinheiro.safeParse(12.9).success).toBe(false);
  });

  it('when an order id in a body is a string such as "12", then it is refused (no coercion)', () => {
    expect(PedidoId.safeParse(12).success).toBe(true);
    for (const v of ['12', ' 12', '1e3', 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2]) expect(PedidoId.safeParse(v).success).toBe(false);
    expect(AutorizarPagamento.safeParse({ pedido_id: '12', valor: '1.00', metodo: 'pix' }).success).toBe(false);
  });

  it('when an internal path names an order, then only plain decimal digits are an id', () => {
    expect(PedidoIdParams.parse({ pedido_id: '12' })).toEqual({ pedido_id: 12 });
    for (const v of ['012', '+12', '1e3', '12 ', '0x1f', '', '99999999999999999']) expect(PedidoIdParams.safeParse({ pedido_id: v }).success).toBe(false);
  });

  it('when a request has an unknown field, then it is refused', () => {
    expect(AutorizarPagamento.safeParse({ pedido_id: 1, valor: '1.00', metodo: 'pix', extra: 1 }).success).toBe(false);
    expect(CriarPedido.safeParse({ carrinho_id: 'x', cliente: { nome: 'A', email: 'a@b.co' }, pagamento: { metodo: 'pix' } }).success).toBe(true);
  });

  it('when fault settings are partial, then the rest defaults to normal', () => {
    expect(Falhas.parse({ latencia_ms: 800 })).toEqual({ latencia_ms: 800, taxa_erro: 0, travar: false });
  });
});
