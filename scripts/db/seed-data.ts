/**
 * The seed's data, built deterministically (Faker pt_BR, seed 2024) after the course's seed document 001 (its generator):
 * 50 clientes, 30 produtos of a confeitaria in 6 categorias, 100 historical pedidos with their items, and what
 * happened to them in the owning services (80% paid, half of those approved; 90% of the approved separated
 * and invoiced; 95% of those shipped). Only timestamps depend on `now`.
 *
 * @faker-js/faker 10 is ESM-only and jest's CommonJS runtime cannot load it, so seedAll() runs this file in a
 * child process (`node --import tsx seed-data.ts <nowIso>`), which prints the data as JSON. Keep this module
 * free of I/O other than that main block.
 */
import type { Faker } from '@faker-js/faker';
import { faker } from '@faker-js/faker/locale/pt_BR';
import { nfeAccessKey, s10TrackingCode, cnpjWithCheckDigits } from '@brigadeiro/documentos';

export const SEED = 2024;
export const NUM_CLIENTES = 50;
export const NUM_PRODUTOS = 30;
export const NUM_PEDIDOS = 100;
/** The shop's own CNPJ (issuer of the notas fiscais): a made-up base completed with valid check digits. */
export const CNPJ_EMITENTE = cnpjWithCheckDigits('457231740001');
export const UF_EMITENTE = 'SP' as const;
export const SERIE_NF = 1;

export type PedidoStatus = 'pendente' | 'pagamento_aprovado' | 'em_separacao' | 'nf_emitida' | 'enviado' | 'entregue' | 'cancelado';
export type Metodo = 'cartao_credito' | 'boleto' | 'pix';

export interface SeedData {
  categorias: { id: number; nome: string; slug: string }[];
  produtos: { id: number; nome: string; descricao: string; preco: string; estoque: number; categoria_id: number; ativo: boolean; criado_em: string }[];
  clientes: { id: number; nome: string; email: string; criado_em: string }[];
  pedidos: {
    id: number; cliente_id: number; cliente: { nome: string; email: string }; carrinho_id: string; status: PedidoStatus;
    valor_total: string; metodo_pagamento: Metodo; motivo_cancelamento: string | null; criado_em: string; atualizado_em: string;
  }[];
  itens_pedido: { pedido_id: number; produto_id: number; nome: string; quantidade: number; preco_unitario: string }[];
  pedido_historico: { pedido_id: number; status: PedidoStatus; detalhe: string | null; em: string }[];
  pagamentos: { pedido_id: number; valor: string; metodo: Metodo; status: 'aprovado' | 'rejeitado'; motivo: string | null; processado_em: string }[];
  /** catalogo's reservations_estoque rows, under estoque's reference for the order ("pedido-<id>"). */
  reservas: { referencia: string; itens: { produto_id: number; quantidade: number }[]; criado_em: string }[];
  separacoes: { pedido_id: number; itens: { produto_id: number; quantidade: number }[]; criado_em: string }[];
  notas_fiscais: { pedido_id: number; numero: number; serie: number; chave_acesso: string; valor: string; emitida_em: string }[];
  envios: {
    pedido_id: number; nota_fiscal_chave: string; codigo_rastreamento: string; status: 'aguardando_envio' | 'enviado' | 'entregue';
    criado_em: string; despachado_em: string | null; entregue_em: string | null;
  }[];
}

interface CategoriaSpec {
  nome: string;
  slug: string;
  /** unit price range, in cents */
  precoCentavos: [number, number];
  nomes: (f: Faker) => string;
  descricoes: string[];
}

const CATEGORIAS: CategoriaSpec[] = [
  {
    nome: 'Bolos', slug: 'bolos', precoCentavos: [4500, 12900],
    nomes: (f) => `Bolo de ${f.helpers.arrayElement(['Cenoura', 'Chocolate', 'Fubá', 'Laranja', 'Milho', 'Coco', 'Limão', 'Banana', 'Maracujá', 'Nozes', 'Red Velvet'])} com ${f.helpers.arrayElement(['Chocolate', 'Brigadeiro', 'Goiabada', 'Doce de Leite', 'Calda de Laranja', 'Ganache', 'Cream Cheese', 'Coco Queimado'])}`,
    descricoes: ['Massa fofinha assada no dia, serve de 10 a 12 fatias.', 'Receita de família com cobertura generosa.', 'Bolo caseiro, perfeito para o café da tarde.'],
  },
  {
    nome: 'Tortas', slug: 'tortas', precoCentavos: [5500, 14900],
    nomes: (f) => `Torta de ${f.helpers.arrayElement(['Limão', 'Morango', 'Maçã', 'Nozes', 'Banana', 'Frutas Vermelhas', 'Abacaxi', 'Chocolate'])} ${f.helpers.arrayElement(['com Merengue', 'com Chantilly', 'Crocante', 'Caramelizada', 'com Creme Belga'])}`,
    descricoes: ['Massa amanteigada e recheio cremoso.', 'Torta inteira, serve de 8 a 10 fatias.', 'Finalizada na hora da retirada.'],
  },
  {
    nome: 'Doces finos', slug: 'doces-finos', precoCentavos: [350, 990],
    nomes: (f) => `${f.helpers.arrayElement(['Trufa', 'Bombom', 'Camafeu', 'Pão de Mel', 'Bem-Casado', 'Cajuzinho'])} de ${f.helpers.arrayElement(['Nozes', 'Maracujá', 'Champanhe', 'Avelã', 'Damasco', 'Café', 'Amêndoas', 'Cereja'])}`,
    descricoes: ['Unidade, em forminha de papel.', 'Ideal para festas e casamentos.', 'Chocolate nobre e recheio artesanal.'],
  },
  {
    nome: 'Brigadeiros', slug: 'brigadeiros', precoCentavos: [250, 790],
    nomes: (f) => `Brigadeiro ${f.helpers.arrayElement(['Gourmet', 'Tradicional', 'Belga', 'Premium'])} de ${f.helpers.arrayElement(['Pistache', 'Ninho com Nutella', 'Café', 'Churros', 'Limão Siciliano', 'Maracujá', 'Chocolate Branco', 'Morango', 'Paçoca', 'Cacau 70%'])}`,
    descricoes: ['Unidade de 20 g, enrolado à mão.', 'Feito com chocolate belga e manteiga.', 'O clássico da casa.'],
  },
  {
    nome: 'Salgados', slug: 'salgados', precoCentavos: [600, 1890],
    nomes: (f) => `${f.helpers.arrayElement(['Coxinha', 'Empada', 'Quiche', 'Pastel Assado', 'Esfiha', 'Croissant'])} de ${f.helpers.arrayElement(['Frango com Catupiry', 'Palmito', 'Alho-Poró', 'Carne Seca', 'Queijo Minas', 'Camarão', 'Calabresa', 'Espinafre com Ricota'])}`,
    descricoes: ['Assado na hora, unidade.', 'Massa leve e recheio caprichado.', 'Sai quentinho a cada hora.'],
  },
  {
    nome: 'Bebidas', slug: 'bebidas', precoCentavos: [600, 2200],
    nomes: (f) => `${f.helpers.arrayElement(['Café Espresso', 'Cappuccino', 'Chocolate Quente', 'Suco de Laranja', 'Limonada Suíça', 'Chá Gelado de Pêssego', 'Café Coado', 'Mocaccino'])} ${f.helpers.arrayElement(['200 ml', '300 ml', '500 ml'])}`,
    descricoes: ['Preparado na hora.', 'Acompanha muito bem um doce da casa.', 'Feito com ingredientes frescos.'],
  },
];

const MOTIVOS_REJEICAO: Record<Metodo, string[]> = {
  cartao_credito: ['cartão recusado pelo emissor', 'saldo insuficiente', 'suspeita de fraude'],
  boleto: ['boleto não compensado no prazo'],
  pix: ['cobrança pix expirada'],
};

const MINUTO = 60_000;
const HORA = 60 * MINUTO;
const DIA = 24 * HORA;

/** Cents to NUMERIC text ("12.30"): money never goes through a float. */
export function centavos(c: number): string {
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

function slugUser(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9._]/g, '');
}

/** Builds the whole seed from Faker seeded with SEED; `now` only anchors the timestamps. */
export function buildSeedData(now: Date): SeedData {
  // pt_BR with English fallbacks; reseeded on every call, so each call builds the same data.
  const f = faker;
  f.seed(SEED);
  const agora = now.getTime();
  const clamp = (ms: number) => Math.min(ms, agora - MINUTO);
  const iso = (ms: number) => new Date(ms).toISOString();
  const entre = (deMs: number, ateMs: number) => f.number.int({ min: deMs, max: ateMs });

  const categorias = CATEGORIAS.map((c, i) => ({ id: i + 1, nome: c.nome, slug: c.slug }));

  const produtos: SeedData['produtos'] = [];
  const precoCentavos = new Map<number, number>();
  const nomesUsados = new Set<string>();
  for (let i = 0; i < NUM_PRODUTOS; i++) {
    const catIndex = i % CATEGORIAS.length;
    const cat = CATEGORIAS[catIndex]!;
    let nome = cat.nomes(f);
    while (nomesUsados.has(nome)) nome = cat.nomes(f);
    nomesUsados.add(nome);
    const preco = f.number.int({ min: cat.precoCentavos[0], max: cat.precoCentavos[1] });
    precoCentavos.set(i + 1, preco);
    produtos.push({
      id: i + 1,
      nome,
      descricao: f.helpers.arrayElement(cat.descricoes),
      preco: centavos(preco),
      // most in stock; about one in ten sold out, so the demos can show a refused reservation
      estoque: f.datatype.boolean({ probability: 0.1 }) ? 0 : f.number.int({ min: 5, max: 100 }),
      categoria_id: catIndex + 1,
      ativo: true,
      criado_em: iso(agora - 120 * DIA + i * HORA),
    });
  }

  const clientes: SeedData['clientes'] = [];
  for (let i = 0; i < NUM_CLIENTES; i++) {
    const firstName = f.person.firstName();
    const lastName = f.person.lastName();
    clientes.push({
      id: i + 1,
      nome: `${firstName} ${lastName}`,
      // as in the original generator: the index keeps it unique
      email: `cliente_${i}_${slugUser(f.internet.username({ firstName, lastName }))}@exemplo.com`,
      criado_em: iso(entre(agora - 365 * DIA, agora - 91 * DIA)),
    });
  }

  // Orders in time order, so ids grow with criado_em as they would in production.
  const datas = Array.from({ length: NUM_PEDIDOS }, () => entre(agora - 90 * DIA, agora - DIA)).sort((a, b) => a - b);
  const data: SeedData = {
    categorias, produtos, clientes, pedidos: [], itens_pedido: [], pedido_historico: [], pagamentos: [], reservas: [],
    separacoes: [], notas_fiscais: [], envios: [],
  };
  const nfsPendentes: { pedido_id: number; emitida: number; valor: string }[] = [];
  const seriais = new Set<number>();

  for (let n = 0; n < NUM_PEDIDOS; n++) {
    const id = n + 1;
    const criado = datas[n]!;
    const cliente = f.helpers.arrayElement(clientes);
    const metodo = f.helpers.arrayElement<Metodo>(['cartao_credito', 'boleto', 'pix']);
    const escolhidos = f.helpers.arrayElements(produtos, { min: 1, max: 5 });
    let totalCentavos = 0;
    const itens = escolhidos.map((p) => {
      const quantidade = f.number.int({ min: 1, max: 3 });
      totalCentavos += quantidade * precoCentavos.get(p.id)!;
      return { pedido_id: id, produto_id: p.id, nome: p.nome, quantidade, preco_unitario: p.preco };
    });
    data.itens_pedido.push(...itens);
    const valor = centavos(totalCentavos);
    const historico: SeedData['pedido_historico'] = [{ pedido_id: id, status: 'pendente', detalhe: 'pedido criado', em: iso(criado) }];
    let status: PedidoStatus = 'pendente';
    let motivoCancelamento: string | null = null;
    let ultimo = criado;

    if (f.number.float() < 0.8) {
      const processado = clamp(criado + entre(MINUTO, 15 * MINUTO));
      const aprovado = f.datatype.boolean();
      data.pagamentos.push({
        pedido_id: id, valor, metodo, status: aprovado ? 'aprovado' : 'rejeitado',
        motivo: aprovado ? null : f.helpers.arrayElement(MOTIVOS_REJEICAO[metodo]), processado_em: iso(processado),
      });
      ultimo = processado;
      if (!aprovado) {
        status = 'cancelado';
        motivoCancelamento = 'pagamento rejeitado';
        historico.push({ pedido_id: id, status, detalhe: 'pagamento rejeitado', em: iso(processado) });
      } else {
        status = 'pagamento_aprovado';
        historico.push({ pedido_id: id, status, detalhe: `pagamento aprovado (${metodo})`, em: iso(processado) });
        if (f.number.float() < 0.9) {
          const separado = clamp(processado + entre(2 * MINUTO, 30 * MINUTO));
          data.separacoes.push({ pedido_id: id, itens: itens.map((i) => ({ produto_id: i.produto_id, quantidade: i.quantidade })), criado_em: iso(separado) });
          data.reservas.push({ referencia: `pedido-${id}`, itens: itens.map((i) => ({ produto_id: i.produto_id, quantidade: i.quantidade })), criado_em: iso(separado) });
          historico.push({ pedido_id: id, status: 'em_separacao', detalhe: 'itens separados', em: iso(separado) });
          const emitida = clamp(separado + entre(5 * MINUTO, 2 * HORA));
          nfsPendentes.push({ pedido_id: id, emitida, valor });
          historico.push({ pedido_id: id, status: 'nf_emitida', detalhe: 'nota fiscal emitida', em: iso(emitida) });
          status = 'nf_emitida';
          ultimo = emitida;
          if (f.number.float() < 0.95) {
            const envioStatus = f.helpers.arrayElement(['aguardando_envio', 'enviado', 'entregue'] as const);
            const criadoEnvio = clamp(emitida + entre(MINUTO, 10 * MINUTO));
            const despachado = envioStatus === 'aguardando_envio' ? null : clamp(criadoEnvio + entre(4 * HORA, 48 * HORA));
            const entregue = envioStatus === 'entregue' && despachado !== null ? clamp(despachado + entre(DIA, 7 * DIA)) : null;
            let serial = f.number.int({ min: 10_000_000, max: 99_999_999 });
            while (seriais.has(serial)) serial = f.number.int({ min: 10_000_000, max: 99_999_999 });
            seriais.add(serial);
            data.envios.push({
              pedido_id: id, nota_fiscal_chave: '', // filled once the NF numbers are known
              codigo_rastreamento: s10TrackingCode(f.helpers.arrayElement(['SS', 'PM', 'QB']), serial),
              status: envioStatus, criado_em: iso(criadoEnvio),
              despachado_em: despachado === null ? null : iso(despachado), entregue_em: entregue === null ? null : iso(entregue),
            });
            if (despachado !== null) {
              status = 'enviado';
              historico.push({ pedido_id: id, status, detalhe: 'pedido despachado', em: iso(despachado) });
              ultimo = despachado;
            }
            if (entregue !== null) {
              status = 'entregue';
              historico.push({ pedido_id: id, status, detalhe: 'pedido entregue', em: iso(entregue) });
              ultimo = entregue;
            }
          }
        }
      }
    }
    data.pedido_historico.push(...historico);
    data.pedidos.push({
      id, cliente_id: cliente.id, cliente: { nome: cliente.nome, email: cliente.email }, carrinho_id: f.string.uuid(), status,
      valor_total: valor, metodo_pagamento: metodo, motivo_cancelamento: motivoCancelamento, criado_em: iso(criado), atualizado_em: iso(ultimo),
    });
  }

  // Invoice numbers are sequential in emission order, as a real series is.
  nfsPendentes.sort((a, b) => a.emitida - b.emitida || a.pedido_id - b.pedido_id);
  nfsPendentes.forEach((nf, i) => {
    const chave = nfeAccessKey({
      uf: UF_EMITENTE, emitidaEm: new Date(nf.emitida), cnpj: CNPJ_EMITENTE, serie: SERIE_NF, numero: i + 1,
      codigoNumerico: f.number.int({ min: 0, max: 99_999_999 }),
    });
    data.notas_fiscais.push({ pedido_id: nf.pedido_id, numero: i + 1, serie: SERIE_NF, chave_acesso: chave, valor: nf.valor, emitida_em: iso(nf.emitida) });
  });
  const chaves = new Map(data.notas_fiscais.map((nf) => [nf.pedido_id, nf.chave_acesso]));
  for (const e of data.envios) e.nota_fiscal_chave = chaves.get(e.pedido_id)!;
  return data;
}

if (require.main === module) {
  const now = process.argv[2] ? new Date(process.argv[2]) : new Date();
  if (Number.isNaN(now.getTime())) throw new Error(`not a date: ${process.argv[2]}`);
  process.stdout.write(JSON.stringify(buildSeedData(now)));
}
