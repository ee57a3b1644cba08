/**
 * The checkout from outside, through the gateway of the test stack (nginx -> the stack's pedidos process ->
 * the real downstream services): a cart bought reaches enviado with a valid NF-e key and S10 tracking code;
 * and 100 concurrent checkouts of one product with stock 20 (each its own cart) leave exactly 20 paid orders,
 * stock 0, and 80 cancelled with insufficient_stock; an order is read by its UUID only (no enumeration).
 */
import axios from 'axios';
import { isValidNfeAccessKey, isValidS10 } from '@brigadeiro/documentos';
import { gatewayUrl } from '@brigadeiro/topology';
import { apagarProduto, consultar, corpo, criarCarrinho, criarProduto, estoqueDe, t, unique } from '../services/pedidos/test/support';

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

  it('when two clients each place an order, then neither reads the other by neighbouring numeric ids or altered UUIDs', async () => {
    const a = await criarProduto({ estoque: 5 });
    produtos.push(a.id);
    const emails = [`ana-${unique('priv')}@example.com`, `bia-${unique('priv')}@example.com`];
    const [deAna, deBia] = await Promise.all(
      emails.map(async (email, i) => {
        const body = { ...corpo(await criarCarrinho([{ produto_id: a.id, quantidade: 1 }])), cliente: { nome: `Cliente ${i}`, email } };
        return gw.post('/api/v1/pedidos', body, { headers: { 'Idempotency-Key': unique('priv') } });
      }),
    );
    expect([deAna!.status, deBia!.status]).toEqual([201, 201]);
    const [linha] = await consultar<{ id: string }>('pedidos', 'SELECT id FROM pedidos WHERE referencia = $1', [deBia!.data.id]);
    const rowId = Number(linha!.id);
    // Ana tries what an attacker would: the row ids around Bia's, and Bia's UUID with one digit changed.
    const vizinho = (u: string, i: number) => u.slice(0, i) + (u[i] === '0' ? '1' : '0') + u.slice(i + 1);
    const tentativas = [
      ...Array.from({ length: 11 }, (_, d) => String(rowId - 5 + d)),
      ...[0, 9, 20, 35].map((i) => vizinho(deBia!.data.id, i)),
      '00000000-0000-4000-8000-000000000000',
    ];
    for (const id of tentativas) {
      const r = await gw.get(`/api/v1/pedidos/${id}`);
      expect({ id, status: r.status }).toEqual({ id, status: /^\d+$/.test(id) ? 400 : 404 });
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.stringify(r.data)).not.toContain(emails[1]);
    }
    const propria = await gw.get(`/api/v1/pedidos/${deBia!.data.id}`);
    expect(propria.data.cliente.email).toBe(emails[1]);
  });

  it('when 100 carts check out one product with stock 20 at once, then exactly 20 are paid, stock is 0 and the rest are cancelled with insufficient_stock', async () => {
    const a = await criarProduto({ estoque: 20 });
    produtos.push(a.id);
    const carrinhos: string[] = [];
    for (let lote = 0; lote < 10; lote++) {
      carrinhos.push(...(await Promise.all(Array.from({ length: 10 }, () => criarCarrinho([{ produto_id: a.id, quantidade: 1 }])))));
    }

    // All 100 at once. On a loaded 2-core machine some may not finish within the gateway's timeout (504) or
    // may meet a breaker (503, compensated, key released): a client then replays with the SAME key after
    // Retry-After, as the API asks, until it gets an outcome. What must hold is the outcome, not the timing.
    const chaves = carrinhos.map(() => unique('corrida'));
    const enviar = (i: number) => gw.post('/api/v1/pedidos', corpo(carrinhos[i]!), { headers: { 'Idempotency-Key': chaves[i]! } });
    const decidido = (r: { status: number; data: { code?: string } }) =>
      r.status === 201 || r.status === 200 || (r.status === 409 && r.data.code !== 'checkout_in_progress');
    const respostas = await Promise.all(carrinhos.map((_, i) => enviar(i)));
    expect(respostas.filter((r) => r.status === 500)).toEqual([]);
    const prazo = Date.now() + 90_000;
    for (let i = 0; i < respostas.length; i++) {
      while (!decidido(respostas[i]!) && Date.now() < prazo) {
        await new Promise((r) => setTimeout(r, 1000 * Number(respostas[i]!.headers['retry-after'] ?? 1)));
        respostas[i] = await enviar(i);
      }
    }

    const pagos = respostas.filter((r) => (r.status === 201 || r.status === 200) && r.data.status !== 'cancelado');
    const semEstoque = respostas.filter((r) => r.status === 409 && r.data.code === 'insufficient_stock');
    expect({ pagos: pagos.length, semEstoque: semEstoque.length }).toEqual({ pagos: 20, semEstoque: 80 });
    expect(await estoqueDe(a.id)).toBe(0);
    const cancelado = await gw.get(`/api/v1/pedidos/${semEstoque[0]!.data.details.pedido_id}`);
    expect(cancelado.data).toMatchObject({ status: 'cancelado', pendente: [] });
    expect(cancelado.data.historico.at(-1).detalhe).toMatch(/pagamento estornado/);
  }, 240_000);
});
