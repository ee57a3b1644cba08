import { AutorizarPagamento, CriarPedido, Dinheiro, Falhas } from '../src';

describe('checkout contracts', () => {
  it('when money is a float or has three decimals, then it is refused', () => {
    expect(Dinheiro.safeParse('12.90').success).toBe(true);
    expect(Dinheiro.safeParse('12.9').success).toBe(false);
    expect(Dinheiro.safeParse('12.901').success).toBe(false);
    expect(Dinheiro.safeParse(12.9).success).toBe(false);
  });

  it('when a request has an unknown field, then it is refused', () => {
    expect(AutorizarPagamento.safeParse({ pedido_id: 1, valor: '1.00', metodo: 'pix', extra: 1 }).success).toBe(false);
    expect(CriarPedido.safeParse({ carrinho_id: 'x', cliente: { nome: 'A', email: 'a@b.co' }, pagamento: { metodo: 'pix' } }).success).toBe(true);
  });

  it('when fault settings are partial, then the rest defaults to normal', () => {
    expect(Falhas.parse({ latencia_ms: 800 })).toEqual({ latencia_ms: 800, taxa_erro: 0, travar: false });
  });
});
