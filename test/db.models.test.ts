/**
 * Every Prisma model of every service reads and writes through its generated client and the pg adapter,
 * against the service's own database as the service's own role. Each test creates its own rows (unique
 * values, order ids far above anything the seed or the services use) and deletes them.
 * Needs the generated clients (`npm run build`) and a migrated database (the test stack does both).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { bootstrapDatabases, migrateAll } from '../scripts/db';
import { loadTopology, databaseUrl } from '@brigadeiro/topology';
import { createPrismaClient, sqlState } from '@brigadeiro/db';
import { nfeAccessKey, s10TrackingCode } from '@brigadeiro/documentos';
import { PrismaClient as CatalogoClient } from '../services/catalogo/src/generated/prisma/client';
import { PrismaClient as PedidosClient } from '../services/pedidos/src/generated/prisma/client';
import { PrismaClient as PagamentosClient } from '../services/pagamentos/src/generated/prisma/client';
import { PrismaClient as EstoqueClient } from '../services/estoque/src/generated/prisma/client';
import { PrismaClient as FiscalClient } from '../services/fiscal/src/generated/prisma/client';
import { PrismaClient as LogisticaClient } from '../services/logistica/src/generated/prisma/client';

const t = loadTopology();

// Normally done by the stack at start; idempotent and serialised, so the file does not depend on it.
beforeAll(async () => {
  await bootstrapDatabases(t);
  await migrateAll(t);
}, 60_000);
const uid = () => randomUUID().slice(0, 8);
/** An order id no seed (1..100) nor service sequence will reach during a test run. */
const pedidoIdDeTeste = () => 9_000_000_000_000n + BigInt(randomInt(1, 2 ** 40));

describe('catalogo models', () => {
  const db = createPrismaClient(CatalogoClient, databaseUrl(t, 'catalogo'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when a categoria, a produto and a reservation are created, then they read back, update and delete', async () => {
    const slug = `teste-${uid()}`;
    const categoria = await db.categoria.create({ data: { nome: `Teste ${slug}`, slug } });
    const produto = await db.produto.create({ data: { nome: `Bolo de Teste ${slug}`, preco: '12.34', estoque: 5, categoriaId: categoria.id } });
    const pedidoId = pedidoIdDeTeste();
    try {
      expect(produto).toMatchObject({ ativo: true, estoque: 5, descricao: null });
      expect(produto.preco.toString()).toBe('12.34');
      const lido = await db.produto.findUniqueOrThrow({ where: { id: produto.id }, include: { categoria: true } });
      expect(lido.categoria.slug).toBe(slug);

      const atualizado = await db.produto.update({ where: { id: produto.id }, data: { estoque: { decrement: 2 }, preco: '10.00' } });
      expect(atualizado.estoque).toBe(3);
      expect(atualizado.atualizadoEm.getTime()).toBeGreaterThanOrEqual(produto.atualizadoEm.getTime());
      await expect(db.categoria.update({ where: { id: categoria.id }, data: { nome: `Teste renomeada ${slug}` } })).resolves.toMatchObject({ slug });

      const referencia = `pedido-${pedidoId}`;
      const reserva = await db.reservaEstoque.create({ data: { referencia, itens: [{ produto_id: produto.id, quantidade: 2 }] } });
      expect(reserva).toMatchObject({ status: 'reservada', liberadoEm: null, itens: [{ produto_id: produto.id, quantidade: 2 }] });
      const liberada = await db.reservaEstoque.update({ where: { referencia }, data: { status: 'liberada', liberadoEm: new Date() } });
      expect(liberada.status).toBe('liberada');
      const err = await db.reservaEstoque.create({ data: { referencia, itens: [] } }).catch((e: unknown) => e);
      expect(sqlState(err)).toBe('23505'); // one reservation per reference: retries are idempotent
      const semData = await db.reservaEstoque.create({ data: { referencia: `${referencia}-x`, itens: [], status: 'liberada' } }).catch((e: unknown) => e);
      expect(sqlState(semData)).toBe('23514'); // liberada <=> liberado_em set
      await db.reservaEstoque.delete({ where: { referencia } });
      expect(await db.reservaEstoque.count({ where: { referencia } })).toBe(0);
    } finally {
      await db.reservaEstoque.deleteMany({ where: { referencia: { startsWith: `pedido-${pedidoId}` } } });
      await db.produto.deleteMany({ where: { id: produto.id } });
      await db.categoria.deleteMany({ where: { id: categoria.id } });
    }
    expect(await db.produto.findUnique({ where: { id: produto.id } })).toBeNull();
  });
});

describe('pedidos models', () => {
  const db = createPrismaClient(PedidosClient, databaseUrl(t, 'pedidos'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when a cliente, a pedido with items, history and a pending task are created, then they read back, update and delete', async () => {
    const u = uid();
    const cliente = await db.cliente.create({ data: { nome: `Cliente Teste ${u}`, email: `teste-${u}@exemplo.com` } });
    let pedidoId: bigint | undefined;
    try {
      const pedido = await db.pedido.create({
        data: {
          clienteId: cliente.id, cliente: { nome: cliente.nome, email: cliente.email }, carrinhoId: randomUUID(), idempotencyKey: `teste-${u}`,
          valorTotal: '25.80', metodoPagamento: 'pix',
          itens: { create: [{ produtoId: 1, nome: 'Brigadeiro', quantidade: 2, precoUnitario: '4.40' }, { produtoId: 2, nome: 'Bolo', quantidade: 1, precoUnitario: '17.00' }] },
          historico: { create: [{ status: 'pendente', detalhe: 'pedido criado' }] },
          // Due far in the future, so the running pedidos worker never claims this test's row.
          tarefas: { create: [{ etapa: 'fiscal', proximaTentativaEm: new Date(Date.now() + 24 * 3600_000) }] },
        },
      });
      pedidoId = pedido.id;
      expect(typeof pedido.id).toBe('bigint');
      expect(pedido).toMatchObject({ status: 'pendente', motivoCancelamento: null });

      const lido = await db.pedido.findUniqueOrThrow({ where: { idempotencyKey: `teste-${u}` }, include: { itens: true, historico: true, tarefas: true, clienteRef: true } });
      expect(lido.itens.map((i) => i.precoUnitario.toString()).sort()).toEqual(['17', '4.4']);
      expect(lido.historico).toHaveLength(1);
      expect(lido.tarefas[0]).toMatchObject({ etapa: 'fiscal', tentativas: 0, ultimoErro: null });
      expect(lido.clienteRef?.email).toBe(cliente.email);
      expect(lido.cliente).toEqual({ nome: cliente.nome, email: cliente.email });

      await db.pedido.update({ where: { id: pedido.id }, data: { status: 'pagamento_aprovado', historico: { create: { status: 'pagamento_aprovado' } } } });
      await db.itemPedido.update({ where: { pedidoId_produtoId: { pedidoId: pedido.id, produtoId: 1 } }, data: { quantidade: 3 } });
      await db.pedidoHistorico.updateMany({ where: { pedidoId: pedido.id, status: 'pendente' }, data: { detalhe: 'criado no teste' } });
      await db.tarefaPendente.update({ where: { pedidoId_etapa: { pedidoId: pedido.id, etapa: 'fiscal' } }, data: { tentativas: { increment: 1 }, ultimoErro: 'timeout' } });
      await db.cliente.update({ where: { id: cliente.id }, data: { nome: `Cliente Renomeado ${u}` } });
      const depois = await db.pedido.findUniqueOrThrow({ where: { id: pedido.id }, include: { itens: true, historico: true, tarefas: true } });
      expect(depois.status).toBe('pagamento_aprovado');
      expect(depois.historico).toHaveLength(2);
      expect(depois.itens.find((i) => i.produtoId === 1)?.quantidade).toBe(3);
      expect(depois.tarefas[0]).toMatchObject({ tentativas: 1, ultimoErro: 'timeout' });

      const bad = await db.pedido.update({ where: { id: pedido.id }, data: { status: 'perdido' } }).catch((e: unknown) => e);
      expect(sqlState(bad)).toBe('23514');

      await db.tarefaPendente.delete({ where: { pedidoId_etapa: { pedidoId: pedido.id, etapa: 'fiscal' } } });
      await db.itemPedido.deleteMany({ where: { pedidoId: pedido.id, produtoId: 2 } });
      await db.pedidoHistorico.deleteMany({ where: { pedidoId: pedido.id, status: 'pagamento_aprovado' } });
      await db.pedido.delete({ where: { id: pedido.id } });
      // items and history go with the order
      expect(await db.itemPedido.count({ where: { pedidoId: pedido.id } })).toBe(0);
      expect(await db.pedidoHistorico.count({ where: { pedidoId: pedido.id } })).toBe(0);
    } finally {
      if (pedidoId !== undefined) await db.pedido.deleteMany({ where: { id: pedidoId } });
      await db.cliente.delete({ where: { id: cliente.id } });
    }
  });
});

describe('pagamentos models', () => {
  const db = createPrismaClient(PagamentosClient, databaseUrl(t, 'pagamentos'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when a pagamento and an operacao are created, then they read back, update and delete', async () => {
    const pedidoId = pedidoIdDeTeste();
    try {
      const p = await db.pagamento.create({ data: { pedidoId, valor: '99.90', metodo: 'cartao_credito', status: 'aprovado' } });
      expect(p.estornadoEm).toBeNull();
      const op = await db.operacao.create({ data: { pedidoId, operacao: 'autorizar', resultado: 'aprovado', detalhe: { teste: true } } });
      expect((await db.pagamento.findUniqueOrThrow({ where: { pedidoId } })).valor.toString()).toBe('99.9');
      // estornado needs estornado_em (CHECK)
      expect(sqlState(await db.pagamento.update({ where: { pedidoId }, data: { status: 'estornado' } }).catch((e: unknown) => e))).toBe('23514');
      await db.pagamento.update({ where: { pedidoId }, data: { status: 'estornado', estornadoEm: new Date() } });
      await db.operacao.update({ where: { id: op.id }, data: { resultado: 'estornado' } });
      expect(await db.operacao.findFirst({ where: { pedidoId } })).toMatchObject({ resultado: 'estornado', detalhe: { teste: true } });
      await db.operacao.delete({ where: { id: op.id } });
      await db.pagamento.delete({ where: { pedidoId } });
      expect(await db.pagamento.findUnique({ where: { pedidoId } })).toBeNull();
    } finally {
      await db.operacao.deleteMany({ where: { pedidoId } });
      await db.pagamento.deleteMany({ where: { pedidoId } });
    }
  });
});

describe('estoque models', () => {
  const db = createPrismaClient(EstoqueClient, databaseUrl(t, 'estoque'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when a separacao and an operacao are created, then they read back, update and delete', async () => {
    const pedidoId = pedidoIdDeTeste();
    try {
      const s = await db.separacao.create({ data: { pedidoId, itens: [{ produto_id: 1, quantidade: 2 }] } });
      expect(s.status).toBe('separado');
      const op = await db.operacao.create({ data: { pedidoId, operacao: 'separar', resultado: 'separado' } });
      expect((await db.separacao.findUniqueOrThrow({ where: { pedidoId } })).itens).toEqual([{ produto_id: 1, quantidade: 2 }]);
      await db.separacao.update({ where: { pedidoId }, data: { status: 'liberado', liberadoEm: new Date() } });
      await db.operacao.update({ where: { id: op.id }, data: { detalhe: { motivo: 'teste' } } });
      expect((await db.operacao.findUniqueOrThrow({ where: { id: op.id } })).detalhe).toEqual({ motivo: 'teste' });
      await db.operacao.delete({ where: { id: op.id } });
      await db.separacao.delete({ where: { pedidoId } });
      expect(await db.separacao.count({ where: { pedidoId } })).toBe(0);
    } finally {
      await db.operacao.deleteMany({ where: { pedidoId } });
      await db.separacao.deleteMany({ where: { pedidoId } });
    }
  });
});

describe('fiscal models', () => {
  const db = createPrismaClient(FiscalClient, databaseUrl(t, 'fiscal'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when a nota fiscal and an operacao are created, then they read back, update and delete', async () => {
    const pedidoId = pedidoIdDeTeste();
    try {
      // the number comes from the table's sequence first, as the service does, to build the access key
      const [row] = await db.$queryRaw<{ numero: bigint }[]>`SELECT nextval('notas_fiscais_numero_seq') AS numero`;
      const numero = row!.numero;
      const chaveAcesso = nfeAccessKey({ uf: 'SP', emitidaEm: new Date(), cnpj: '11222333000181', serie: 1, numero, codigoNumerico: randomInt(0, 1e8) });
      const nf = await db.notaFiscal.create({ data: { pedidoId, numero, chaveAcesso, valor: '42.00' } });
      expect(nf).toMatchObject({ serie: 1, chaveAcesso });
      const op = await db.operacao.create({ data: { pedidoId, operacao: 'emitir', resultado: 'emitida' } });
      expect((await db.notaFiscal.findUniqueOrThrow({ where: { chaveAcesso } })).pedidoId).toBe(pedidoId);
      await db.notaFiscal.update({ where: { pedidoId }, data: { valor: '43.50' } });
      expect((await db.notaFiscal.findUniqueOrThrow({ where: { pedidoId } })).valor.toString()).toBe('43.5');
      expect(sqlState(await db.notaFiscal.update({ where: { pedidoId }, data: { chaveAcesso: 'X'.repeat(44) } }).catch((e: unknown) => e))).toBe('23514');
      await db.operacao.update({ where: { id: op.id }, data: { resultado: 'reemitida' } });
      await db.operacao.delete({ where: { id: op.id } });
      await db.notaFiscal.delete({ where: { pedidoId } });
      expect(await db.notaFiscal.count({ where: { pedidoId } })).toBe(0);
    } finally {
      await db.operacao.deleteMany({ where: { pedidoId } });
      await db.notaFiscal.deleteMany({ where: { pedidoId } });
    }
  });
});

describe('logistica models', () => {
  const db = createPrismaClient(LogisticaClient, databaseUrl(t, 'logistica'), { max: 2, applicationName: 'test-models' });
  afterAll(() => db.$disconnect());

  test('when an envio and an operacao are created, then they read back, update and delete', async () => {
    const pedidoId = pedidoIdDeTeste();
    const codigoRastreamento = s10TrackingCode('TT', randomInt(0, 1e8));
    try {
      const e = await db.envio.create({ data: { pedidoId, codigoRastreamento } });
      expect(e).toMatchObject({ status: 'aguardando_envio', despachadoEm: null, notaFiscalChave: null });
      const op = await db.operacao.create({ data: { pedidoId, operacao: 'criar_envio', resultado: 'aguardando_envio' } });
      expect((await db.envio.findUniqueOrThrow({ where: { codigoRastreamento } })).pedidoId).toBe(pedidoId);
      // enviado needs despachado_em (CHECK)
      expect(sqlState(await db.envio.update({ where: { pedidoId }, data: { status: 'enviado' } }).catch((err: unknown) => err))).toBe('23514');
      await db.envio.update({ where: { pedidoId }, data: { status: 'enviado', despachadoEm: new Date() } });
      await db.operacao.update({ where: { id: op.id }, data: { operacao: 'despachar', resultado: 'enviado' } });
      expect(await db.envio.findUniqueOrThrow({ where: { pedidoId } })).toMatchObject({ status: 'enviado' });
      await db.operacao.delete({ where: { id: op.id } });
      await db.envio.delete({ where: { pedidoId } });
      expect(await db.envio.count({ where: { pedidoId } })).toBe(0);
    } finally {
      await db.operacao.deleteMany({ where: { pedidoId } });
      await db.envio.deleteMany({ where: { pedidoId } });
    }
  });
});
