/**
 * Client traffic during a failover, through the gateway, recorded request by request so the report can
 * count failures and draw a timeline:
 *  - ApacheBench (ab, bounded by -t and -n) on GET /api/v1/produtos: the read load, summarised by ab itself;
 *  - a read prober (GET /api/v1/produtos/:id every `readEveryMs`) whose every answer lands in the timeline;
 *  - a checkout workload: carts made beforehand for one product with plenty of stock, `concurrency` workers
 *    each POSTing /api/v1/pedidos with its own Idempotency-Key. A failed attempt (5xx, network error) is
 *    recorded, then retried with the SAME key after its Retry-After, as a well-behaved client would, up
 *    to `retryWindowMs`: the order is then created once (the key makes the retry safe).
 * Every acknowledged order id (201/202, or 200 for a replay) is kept for the lost-write check.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { type Topology, gatewayUrl } from '@brigadeiro/topology';

export interface RequestRecord {
  kind: 'leitura' | 'checkout';
  /** Start and end, ms since epoch. */
  start: number;
  end: number;
  ok: boolean;
  /** HTTP status, or 0 for a network error / timeout. */
  status: number;
  error?: string;
}

export interface Setup {
  produtoId: number;
  carts: string[];
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`;

export function gatewayClient(t: Topology, timeoutMs = 20_000): AxiosInstance {
  return axios.create({ baseURL: gatewayUrl(t), validateStatus: () => true, timeout: timeoutMs });
}

/** A product with `estoque` units (admin API) and `carts` carts holding one unit each. */
export async function prepareCheckouts(t: Topology, carts: number, estoque = 1_000_000): Promise<Setup> {
  const gw = gatewayClient(t);
  const admin = { Authorization: `Bearer ${t.adminToken}` };
  const cats = await gw.get('/api/v1/categorias');
  const categoria = Array.isArray(cats.data) ? (cats.data as { id: number }[])[0] : undefined;
  if (!categoria) throw new Error(`GET /api/v1/categorias answered ${cats.status}: is the stack seeded?`);
  const p = await gw.post('/api/v1/produtos', { nome: unique('Brigadeiro do failover'), preco: '3.50', estoque, categoria_id: categoria.id }, { headers: admin });
  if (p.status !== 201) throw new Error(`could not create the workload's product: ${p.status} ${JSON.stringify(p.data)}`);
  const produtoId = (p.data as { id: number }).id;
  // The replica may not have it yet: carrinho checks products through catalogo's read path.
  for (let i = 0; i < 100 && (await gw.get(`/api/v1/produtos/${produtoId}`)).status !== 200; i++) await sleep(50);
  const ids: string[] = [];
  const makeOne = async () => {
    const c = await gw.post('/api/v1/carrinhos', {});
    if (c.status !== 201) throw new Error(`could not create a cart: ${c.status} ${JSON.stringify(c.data)}`);
    const id = (c.data as { id: string }).id;
    const it = await gw.post(`/api/v1/carrinhos/${id}/itens`, { produto_id: produtoId, quantidade: 1 });
    if (it.status !== 201 && it.status !== 200) throw new Error(`could not add to a cart: ${it.status} ${JSON.stringify(it.data)}`);
    ids.push(id);
  };
  for (let done = 0; done < carts; done += 10) await Promise.all(Array.from({ length: Math.min(10, carts - done) }, makeOne));
  return { produtoId, carts: ids };
}

/** Deactivates the workload's product (it stays in the database: orders refer to it). */
export async function retireProduct(t: Topology, produtoId: number): Promise<void> {
  await gatewayClient(t).delete(`/api/v1/produtos/${produtoId}`, { headers: { Authorization: `Bearer ${t.adminToken}` } }).catch(() => undefined);
}

export interface CheckoutResult {
  /** Acknowledged order ids (201/202/200). */
  acknowledged: string[];
  /** Carts whose checkout never succeeded within the retry window. */
  gaveUp: number;
  /** Carts left unused when the workload was stopped. */
  unused: number;
}

export interface CheckoutWorkload {
  stop(): Promise<CheckoutResult>;
}

function checkoutBody(cart: string) {
  return { carrinho_id: cart, cliente: { nome: 'Cliente Failover', email: `${unique('failover')}@example.com` }, pagamento: { metodo: 'pix' } };
}

/**
 * One checkout with retries (same Idempotency-Key) on 5xx, 429 and network errors until it is acknowledged
 * or `retryWindowMs` passes. Between attempts it waits the answer's Retry-After (0.5 s without one, at most
 * 2 s), or `pauseMs` when given (the first-checkout prober, which wants a fine time resolution). Each attempt
 * goes to `records`. Returns the order id or undefined.
 */
export async function checkoutWithRetry(gw: AxiosInstance, cart: string, records: RequestRecord[], retryWindowMs: number, pauseMs?: number): Promise<string | undefined> {
  const key = unique('failover');
  const body = checkoutBody(cart);
  const until = Date.now() + retryWindowMs;
  for (;;) {
    const start = Date.now();
    let status = 0;
    let error: string | undefined;
    let data: unknown;
    let retryAfterS = 0.5;
    try {
      const r = await gw.post('/api/v1/pedidos', body, { headers: { 'Idempotency-Key': key } });
      status = r.status;
      data = r.data;
      const ra = Number(r.headers['retry-after']);
      if (Number.isFinite(ra) && ra > 0) retryAfterS = Math.min(ra, 2);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const ok = status === 200 || status === 201 || status === 202;
    const rec: RequestRecord = { kind: 'checkout', start, end: Date.now(), ok, status };
    if (!ok) rec.error = error ?? (typeof data === 'object' && data !== null ? String((data as { code?: unknown }).code ?? '') : String(data)).slice(0, 200);
    records.push(rec);
    if (ok) return (data as { id: string }).id;
    // 4xx other than 409 "in progress" and 429: the request itself is wrong, a retry cannot help.
    const retryable = status === 0 || status >= 500 || status === 429 || (status === 409 && (data as { code?: string })?.code === 'checkout_in_progress');
    if (!retryable || Date.now() >= until) return undefined;
    await sleep(pauseMs ?? retryAfterS * 1000);
  }
}

/** Starts `concurrency` workers, each checking out the next cart every `pauseMs` until stopped or out of carts. */
export function startCheckouts(t: Topology, setup: Setup, records: RequestRecord[], o: { concurrency: number; pauseMs: number; retryWindowMs: number }): CheckoutWorkload {
  const gw = gatewayClient(t);
  const queue = [...setup.carts];
  const acknowledged: string[] = [];
  let gaveUp = 0;
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const cart = queue.shift();
      if (!cart) return;
      const id = await checkoutWithRetry(gw, cart, records, o.retryWindowMs);
      if (id === undefined) gaveUp++;
      else acknowledged.push(id);
      if (o.pauseMs > 0) await sleep(o.pauseMs);
    }
  };
  const running = Promise.all(Array.from({ length: o.concurrency }, worker));
  return {
    async stop() {
      stopping = true;
      await running;
      return { acknowledged, gaveUp, unused: queue.length };
    },
  };
}

export interface Prober {
  stop(): Promise<void>;
}

/** GET `path` through the gateway every `everyMs` (not waiting for the previous answer), recording each. */
export function startReadProber(t: Topology, path: string, everyMs: number, records: RequestRecord[]): Prober {
  const gw = gatewayClient(t, 10_000);
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const start = Date.now();
    const p: Promise<void> = gw.get(path).then(
      (r) => {
        records.push({ kind: 'leitura', start, end: Date.now(), ok: r.status === 200, status: r.status, ...(r.status === 200 ? {} : { error: String(r.data?.code ?? r.status) }) });
      },
      (e: unknown) => {
        records.push({ kind: 'leitura', start, end: Date.now(), ok: false, status: 0, error: e instanceof Error ? e.message : String(e) });
      },
    ).finally(() => inflight.delete(p));
    inflight.add(p);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}

export interface AbSummary {
  command: string;
  complete: number;
  failed: number;
  non2xx: number;
  failedBreakdown: { connect: number; receive: number; length: number; exceptions: number };
  requestsPerSecond: number;
  exitCode: number | null;
}

/** Parses ab's text report. */
export function parseAb(out: string): Omit<AbSummary, 'command' | 'exitCode'> {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const br = /Failed requests:\s+\d+\s*\n\s*\(Connect: (\d+), Receive: (\d+), Length: (\d+), Exceptions: (\d+)\)/.exec(out);
  return {
    complete: num(/Complete requests:\s+(\d+)/),
    failed: num(/Failed requests:\s+(\d+)/),
    non2xx: num(/Non-2xx responses:\s+(\d+)/),
    failedBreakdown: { connect: Number(br?.[1] ?? 0), receive: Number(br?.[2] ?? 0), length: Number(br?.[3] ?? 0), exceptions: Number(br?.[4] ?? 0) },
    requestsPerSecond: num(/Requests per second:\s+([\d.]+)/),
  };
}

export interface AbRun {
  /** Ends the run (the batch in flight is interrupted with SIGINT: ab still reports what it did). */
  stop(): Promise<AbSummary>;
}

function runAbOnce(args: string[], onChild: (c: ReturnType<typeof spawn> | undefined) => void): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('ab', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    onChild(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => resolve({ out: out + e.message, code: null }));
    child.on('close', (code) => {
      onChild(undefined);
      resolve({ out, code });
    });
  });
}

/**
 * ApacheBench at a bounded, moderate rate: one `ab -n <perSecond> -c <concurrency>` batch per second until
 * stopped (ab itself has no rate option, and flat out it would only measure the gateway's rate limit).
 * The URL's answer must not change length during the run (ab counts a different length as a failure): the
 * first page of products, whose stock the workload does not touch (its product is created last).
 */
export function startAb(t: Topology, path: string, o: { perSecond: number; concurrency: number }): AbRun {
  const url = `${gatewayUrl(t)}${path}`;
  const args = ['-q', '-r', '-s', '10', '-n', String(o.perSecond), '-c', String(o.concurrency), url];
  const total: AbSummary = { command: `ab ${args.join(' ')} (once a second)`, complete: 0, failed: 0, non2xx: 0, failedBreakdown: { connect: 0, receive: 0, length: 0, exceptions: 0 }, requestsPerSecond: 0, exitCode: 0 };
  let stopping = false;
  let current: ReturnType<typeof spawn> | undefined;
  const started = Date.now();
  const loop = (async () => {
    while (!stopping) {
      const t0 = Date.now();
      const { out, code } = await runAbOnce(args, (c) => (current = c));
      const r = parseAb(out);
      total.complete += r.complete;
      total.failed += r.failed;
      total.non2xx += r.non2xx;
      for (const k of Object.keys(total.failedBreakdown) as (keyof AbSummary['failedBreakdown'])[]) total.failedBreakdown[k] += r.failedBreakdown[k];
      if (code !== 0 && !stopping) total.exitCode = code;
      const rest = 1000 - (Date.now() - t0);
      if (rest > 0 && !stopping) await sleep(rest);
    }
  })();
  return {
    async stop() {
      stopping = true;
      current?.kill('SIGINT');
      await loop;
      total.requestsPerSecond = total.complete / Math.max(1, (Date.now() - started) / 1000);
      return total;
    },
  };
}
