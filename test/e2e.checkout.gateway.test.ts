/**
 * The checkout from outside, through the gateway of the test stack (nginx -> the stack's pedidos process ->
 * the real downstream services): a cart bought reaches enviado with a valid NF-e key and S10 tracking code;
 * and 100 concurrent checkouts of one product with stock 20 (each its own cart) leave exactly 20 paid orders,
 * stock 0, and 80 cancelled with insufficient_stock.
 */
import axios from 'axios';
import { isValidNfeAccessKey, isValidS10 } from '@brigadeiro/documentos';
import { gatewayUrl } from '@brigadeiro/topology';
import { apagarProduto, corpo, criarCarrinho, criarProduto, estoqueDe, t, unique } from '../services/pedidos/test/support';

const gw = axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: 60_000 });
const produtos: number[] = [];
afterAll(async () => {
  await Promise.all(produtos.map(apagarProduto));
});

describe('checkout through the gateway', () => {
  it('when a cart is bought through the gateway, then the order reaches enviado with a valid NF-e key and S10 code', async () => {
    const a = await criarProduto({ preco: '7.25', estoque: 5 });
    produtos.push(a.id);
    const carrinho = await criarCarrinho([{ produto_id: a.id, quantidade: 2 }]);

    const res = await gw.post('/api/v1/pedidos', corpo(carrinho), { headers: { 'Idempotency-Key': unique('e2e') } });

    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ status: 'enviado', valor_total: '14.50' });
    expect(isValidNfeAccessKey(res.data.nota_fiscal.chave_acesso)).toBe(true);
    expect(isValidS10(res.data.envio.codigo_rastreamento)).toBe(true);
    const got = await gw.get(`/api/v1/pedidos/${res.data.id}`);
    expect(got.status).toBe(200);
    expect(got.data.status).toBe('enviado');
  });

  it('when 100 carts check out one product with stock 20 at once, then exactly 20 are paid, stock is 0 and the rest are cancelled with insufficient_stock', async () => {
    const a = await criarProduto({ estoque: 20 });
    produtos.push(a.id);
    const carrinhos: string[] = [];
    for (let lote = 0; lote < 10; lote++) {
      carrinhos.push(...(await Promise.all(Array.from({ length: 10 }, () => criarCarrinho([{ produto_id: a.id, quantidade: 1 }])))));
    }

    const respostas = await Promise.all(
      carrinhos.map((c) => gw.post('/api/v1/pedidos', corpo(c), { headers: { 'Idempotency-Key': unique('corrida') } })),
    );

    const porStatus = respostas.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
    expect(porStatus).toEqual({ 201: 20, 409: 80 });
    for (const r of respostas.filter((x) => x.status === 409)) expect(r.data.code).toBe('insufficient_stock');
    expect(await estoqueDe(a.id)).toBe(0);
    const cancelado = await gw.get(`/api/v1/pedidos/${respostas.find((r) => r.status === 409)!.data.details.pedido_id}`);
    expect(cancelado.data).toMatchObject({ status: 'cancelado', pendente: [] });
    expect(cancelado.data.historico.at(-1).detalhe).toMatch(/pagamento estornado/);
  }, 120_000);
});
