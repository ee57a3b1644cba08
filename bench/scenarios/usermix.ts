/**
 * User mix (seed 004 §7): browse, add to cart and check out in shop-like proportions, at CONSTANT ARRIVAL
 * RATES (open model, bench/lib/open-model.ts: latencies measured from each request's intended send time, so
 * a slow server cannot hide its queueing by slowing the load). Users are translated into arrivals: one user
 * is one action every USER_THINK_S seconds on average (a Locust user with a think time), so N users = N /
 * USER_THINK_S requests per second. The seed's scenarios: baseline, moderate, high distribution, spike
 * (10 -> 200 -> 10 users) and stress (step up until saturation: errors above 1%, P95 above 1 s, or fewer
 * answers than arrivals).
 *
 * Actions, per arrival (a seeded PRNG, so every run draws the same sequence): list the catalogue (55%),
 * open a product (25%), create a cart (5%), add the bench product to a cart (12%), check out a cart that
 * holds something (3%). Carts and the bench products (adds spread over them) are the bench's own and are cleaned up.
 */
import path from 'node:path';
import { say } from '../lib/log';
import { runOpen, type OpenRequest, type OpenResult, type Phase, type PhaseFigures } from '../lib/open-model';
import { checkoutBody, createBenchProducts, createCart, deleteCarts, filledCarts, parallel, retireBenchProduct, unique, CARTS } from '../lib/shop';
import { round } from '../lib/stats';
import { productIds } from './scalability';
import type { BenchContext, Scenario, ScenarioResult, Table } from './types';

export const USER_THINK_S = 1;
export const MIX = { lista: 0.55, produto: 0.25, carrinho: 0.05, item: 0.12, checkout: 0.03 } as const;
type Acao = keyof typeof MIX;

/** Saturated when errors pass 1%, P95 passes 1 s, or fewer than 90% of arrivals got a 2xx answer. */
export function saturated(p: PhaseFigures): boolean {
  return p.errorPct > 1 || p.p95 > 1000 || p.ok < 0.9 * p.sent;
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Workload {
  next: (i: number) => OpenRequest | undefined;
  onAnswer: (req: OpenRequest, status: number, body: Buffer) => void;
  carts: Set<string>;
}

function workload(seeded: number[], benchProducts: number[], open: string[], filled: string[]): Workload {
  const rand = prng(4);
  const carts = new Set<string>([...open, ...filled]);
  const abertos = [...open, ...filled];
  const cheios = [...filled];
  const pick = (): Acao => {
    let x = rand();
    for (const [k, w] of Object.entries(MIX) as [Acao, number][]) {
      if ((x -= w) < 0) return k;
    }
    return 'lista';
  };
  return {
    carts,
    next: () => {
      const acao = pick();
      switch (acao) {
        case 'lista':
          return { kind: 'lista', method: 'GET', path: '/api/v1/produtos' };
        case 'produto':
          return { kind: 'produto', method: 'GET', path: `/api/v1/produtos/${seeded[Math.floor(rand() * seeded.length)]}` };
        case 'carrinho':
          return { kind: 'carrinho', method: 'POST', path: CARTS, body: {} };
        case 'item': {
          const c = abertos[Math.floor(rand() * abertos.length)];
          if (!c) return { kind: 'carrinho', method: 'POST', path: CARTS, body: {} };
          return { kind: 'item', method: 'POST', path: `${CARTS}/${c}/itens`, body: { produto_id: benchProducts[Math.floor(rand() * benchProducts.length)], quantidade: 1 } };
        }
        case 'checkout': {
          const c = cheios.shift();
          if (!c) return { kind: 'lista', method: 'GET', path: '/api/v1/produtos' };
          const at = abertos.indexOf(c);
          if (at >= 0) abertos.splice(at, 1);
          carts.delete(c);
          return { kind: 'checkout', method: 'POST', path: '/api/v1/pedidos', body: checkoutBody(c), headers: { 'Idempotency-Key': unique('mix') } };
        }
      }
    },
    onAnswer: (req, status, body) => {
      if (req.kind === 'carrinho' && status === 201) {
        const id = (JSON.parse(body.toString()) as { id: string }).id;
        abertos.push(id);
        carts.add(id);
      } else if (req.kind === 'item' && (status === 200 || status === 201)) {
        const id = req.path.split('/')[4] as string;
        // A cart past the per-item maximum stays out of the add pool (its adds would answer 409).
        const q = (JSON.parse(body.toString()) as { itens?: { quantidade: number }[] }).itens?.[0]?.quantidade ?? 0;
        if (!cheios.includes(id) && abertos.includes(id)) cheios.push(id);
        if (q >= 90) abertos.splice(abertos.indexOf(id), 1);
      }
    },
  };
}

interface Run {
  scenario: string;
  users: string;
  result: OpenResult;
}

async function runScenario(ctx: BenchContext, name: string, users: string, phases: Phase[], seeded: number[], produto: number[]): Promise<Run> {
  const s = ctx.sizes.usermix;
  const open = await Promise.all(Array.from({ length: s.openCarts }, () => createCart(ctx.gateway)));
  const filled = await filledCarts(ctx.gateway, produto, s.filledCarts);
  const w = workload(seeded, produto, open, filled);
  say(`user mix ${name}: ${phases.map((p) => `${p.label} ${p.rate} r/s for ${p.seconds} s`).join(', ')}`);
  ctx.commands.push(`open model (bench/lib/open-model.ts) ${name}: ${phases.map((p) => `${p.rate} r/s x ${p.seconds} s`).join(' -> ')} on ${ctx.gateway}, mix ${JSON.stringify(MIX)}`);
  try {
    const result = await runOpen({ base: ctx.gateway, phases, next: w.next, onAnswer: w.onAnswer, tick: say });
    for (const p of result.phases) {
      say(`  ${p.label}: ${round(p.throughput, 0)} 2xx/s of ${p.rate} intended, p95 ${round(p.p95, 1)} ms, errors ${round(p.errorPct, 2)}%${p.dropped ? `, ${p.dropped} dropped` : ''}`);
    }
    return { scenario: name, users, result };
  } finally {
    await deleteCarts(ctx.gateway, [...w.carts]);
  }
}

const rateOf = (users: number) => users / USER_THINK_S;

function phaseRow(label: string, p: PhaseFigures): [string, ...number[]] {
  return [label, p.rate, round(p.throughput, 1), round(p.p50, 1), round(p.p95, 1), round(p.p99, 1), round(p.errorPct, 2), saturated(p) ? 1 : 0];
}

async function run(ctx: BenchContext): Promise<ScenarioResult> {
  const seeded = productIds(ctx.catalogue);
  if (seeded.length === 0) throw new Error('the catalogue list is empty: seed it first (npm run db:seed)');
  const s = ctx.sizes.usermix;
  const produto = await createBenchProducts(ctx.t, ctx.gateway, s.products);
  const runs: Run[] = [];
  let saturation: { users: number; rate: number } | undefined;
  let lastGood: { users: number; rate: number; throughput: number } | undefined;
  try {
    for (const [name, users] of [
      ['baseline', s.baselineUsers],
      ['moderado', s.moderateUsers],
      ['alta distribuição', s.highUsers],
    ] as const) {
      runs.push(await runScenario(ctx, name, String(users), [{ label: `${users} usuários`, rate: rateOf(users), seconds: s.seconds }], seeded, produto));
    }
    const [low, high] = s.spikeUsers;
    runs.push(
      await runScenario(
        ctx,
        'spike',
        `${low} -> ${high} -> ${low}`,
        [
          { label: `fase 1: ${low} usuários`, rate: rateOf(low), seconds: s.spikeSeconds[0] },
          { label: `fase 2 (spike): ${high} usuários`, rate: rateOf(high), seconds: s.spikeSeconds[1] },
          { label: `fase 3 (recuperação): ${low} usuários`, rate: rateOf(low), seconds: s.spikeSeconds[2] },
        ],
        seeded,
        produto,
      ),
    );
    for (const users of s.stressUsers) {
      const r = await runScenario(ctx, 'stress', String(users), [{ label: `${users} usuários`, rate: rateOf(users), seconds: s.stressSeconds }], seeded, produto);
      runs.push(r);
      const p = r.result.phases[0] as PhaseFigures;
      if (saturated(p)) {
        saturation = { users, rate: rateOf(users) };
        break;
      }
      lastGood = { users, rate: rateOf(users), throughput: p.throughput };
      await new Promise((res) => setTimeout(res, s.stressPauseMs));
    }
  } finally {
    await parallel(produto, 4, (id) => retireBenchProduct(ctx.t, ctx.gateway, id));
  }

  const columns = ['Cenário / fase', 'Chegadas (req/s)', 'RPS (2xx/s)', 'P50 (ms)', 'P95 (ms)', 'P99 (ms)', 'Taxa de erro (%)', 'Saturado (1 = sim)'];
  const fixed = runs.filter((r) => r.scenario !== 'spike' && r.scenario !== 'stress');
  const spike = runs.find((r) => r.scenario === 'spike');
  const stress = runs.filter((r) => r.scenario === 'stress');
  const tables: Table[] = [
    {
      title: `Cenários 1-3: baseline, moderado, alta distribuição (1 usuário = 1 ação a cada ${USER_THINK_S} s; ${s.seconds} s cada)`,
      seed: '004 §7.2-7.4',
      columns,
      rows: fixed.map((r) => phaseRow(`${r.scenario}: ${r.users} usuários`, r.result.phases[0] as PhaseFigures)),
    },
  ];
  if (spike) tables.push({ title: `Cenário 4: spike ${spike.users} usuários`, seed: '004 §7.5', columns, rows: spike.result.phases.map((p) => phaseRow(p.label, p)) });
  tables.push({
    title: 'Cenário 5: stress, degraus até a saturação',
    seed: '004 §7.6',
    columns: ['Usuários', 'Chegadas (req/s)', 'RPS (2xx/s)', 'P50 (ms)', 'P95 (ms)', 'P99 (ms)', 'Taxa de erro (%)', 'Saturado (1 = sim)'],
    rows: stress.map((r) => phaseRow(r.users, r.result.phases[0] as PhaseFigures)),
  });
  const kinds = Object.keys(MIX);
  const ref = (saturation ? stress.at(-2) : stress.at(-1)) ?? stress.at(-1);
  if (ref) {
    const p = ref.result.phases[0] as PhaseFigures;
    tables.push({
      title: `Per action at the highest unsaturated stress step (${ref.users} users)`,
      columns: ['Ação', 'Requisições', 'P50 (ms)', 'P95 (ms)', 'Erros'],
      rows: kinds.filter((k) => p.byKind[k]).map((k) => [k, p.byKind[k]!.n, round(p.byKind[k]!.p50, 1), round(p.byKind[k]!.p95, 1), p.byKind[k]!.errors]),
    });
  }
  const notes = [
    `Open model: arrivals on a fixed schedule, latency from the intended send time (coordinated omission corrected); a user is one action every ${USER_THINK_S} s (Locust-like think time), so N users = ${1 / USER_THINK_S} x N arrivals/s. Mix: ${Object.entries(MIX).map(([k, v]) => `${k} ${round(v * 100, 0)}%`).join(', ')}.`,
    `"Saturado" = errors above 1%, P95 above 1 s, or fewer than 90% of the arrivals answered 2xx. The seed's replica counts (P-API=2, Server-A=3 ...) do not apply as such: here every service runs once except carrinho (${ctx.carrinhoRunning.length} instances), all on the same machine.`,
    saturation
      ? `Ponto de saturação: ${saturation.users} usuários (${saturation.rate} chegadas/s); the last step that held was ${lastGood ? `${lastGood.users} usuários (${round(lastGood.throughput, 0)} 2xx/s)` : 'none (the first step already saturated)'}.`
      : `Ponto de saturação: not reached up to ${s.stressUsers.at(-1)} usuários (${rateOf(s.stressUsers.at(-1) ?? 0)} chegadas/s)${ctx.quick ? ' (--quick sizes)' : ''}.`,
  ];
  tables.push({
    title: 'Ponto de saturação',
    seed: '004 §7.6',
    columns: ['Métrica', 'Valor'],
    rows: [
      ['Último degrau sem saturar (usuários)', lastGood?.users ?? 0],
      ['RPS nesse degrau (2xx/s)', round(lastGood?.throughput ?? 0, 0)],
      ['Primeiro degrau saturado (usuários; 0 = não atingido)', saturation?.users ?? 0],
    ],
  });
  const stressChart = stress.map((r) => r.result.phases[0] as PhaseFigures);
  return {
    name: 'usermix',
    title: 'User mix (seed 004 §7): open-model load scenarios',
    tables,
    charts: [
      {
        file: path.join(ctx.outDir, 'usermix-stress-latency.svg'),
        caption: 'Stress: latency (from the intended send time) against the arrival rate',
        title: 'User mix: latency against load',
        x: { field: 'rate', title: 'arrivals per second' },
        y: { field: 'ms', title: 'latency (ms)' },
        series: 'percentile',
        rows: stressChart.flatMap((p) => [
          { percentile: 'P50', rate: p.rate, ms: round(p.p50, 1) },
          { percentile: 'P95', rate: p.rate, ms: round(p.p95, 1) },
          { percentile: 'P99', rate: p.rate, ms: round(p.p99, 1) },
        ]),
      },
      {
        file: path.join(ctx.outDir, 'usermix-stress-throughput.svg'),
        caption: 'Stress: answered 2xx per second against the arrival rate (the line bends at saturation)',
        title: 'User mix: throughput against load',
        x: { field: 'rate', title: 'arrivals per second' },
        y: { field: 'rps', title: 'per second' },
        series: 'series',
        rows: stressChart.flatMap((p) => [
          { series: '2xx/s', rate: p.rate, rps: round(p.throughput, 1) },
          { series: 'arrivals/s', rate: p.rate, rps: p.rate },
        ]),
      },
      ...(spike
        ? [
            {
              file: path.join(ctx.outDir, 'usermix-spike-timeline.svg'),
              caption: 'Spike: answers, errors and P95 second by second',
              title: 'User mix: spike timeline',
              x: { field: 'second', title: 'seconds from the start' },
              y: { field: 'value', title: 'per second / ms' },
              series: 'series',
              rows: spike.result.timeline.flatMap((b) => [
                { series: 'arrivals/s', second: b.second, value: b.rate },
                { series: '2xx/s', second: b.second, value: b.ok },
                { series: 'errors/s', second: b.second, value: b.errors },
                { series: 'P95 (ms)', second: b.second, value: Number.isFinite(b.p95) ? round(b.p95, 1) : 0 },
              ]),
            },
          ]
        : []),
    ],
    targets: [],
    notes,
    raw: { userThinkSeconds: USER_THINK_S, mix: MIX, saturation, lastGood, runs },
  };
}

export const usermix: Scenario = {
  name: 'usermix',
  title: 'User mix',
  summary: 'seed 004 §7: browse/cart/checkout mix at constant arrival rates: baseline, moderate, high, spike, stress to saturation',
  run,
};
