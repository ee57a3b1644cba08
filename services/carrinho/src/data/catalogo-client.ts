/**
 * The product check: GET {CATALOGO_URL}/api/v1/produtos/:id through the catalogo Downstream (one opossum
 * breaker with a timeout, shared by every request of this instance). The answer is one of three things
 * the cart can act on; "indisponivel" covers every way catalogo can fail to answer (refused, timeout,
 * 5xx, breaker open, an answer we cannot read), which the cart treats as "accept it unverified".
 */
import { z } from 'zod';
import { Downstream, responseStatus } from '@brigadeiro/http-client';
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import type { Config } from '../config';
import { centavos } from '../domain/dinheiro';

export type Verificacao =
  | { resultado: 'encontrado'; nome: string; centavos: number; ativo: boolean }
  | { resultado: 'inexistente' }
  | { resultado: 'indisponivel'; motivo: string };

// Only what the cart needs; catalogo may send more (estoque, categoria, ...).
const produtoSchema = z.object({
  id: z.number().int(),
  nome: z.string().min(1),
  preco: z.union([z.string(), z.number()]),
  ativo: z.boolean().optional(),
});

export interface CatalogoCacheOptions {
  /** How long an answer is reused, ms; 0 turns the cache (and the sharing of in-flight calls) off. */
  ttlMs: number;
  /** Entries kept at most; past it the oldest one is dropped. */
  maxEntries: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

type Cacheable = Exclude<Verificacao, { resultado: 'indisponivel' }>;

export class CatalogoClient {
  /** Insertion-ordered, so the first key is the oldest entry. */
  private readonly cache = new Map<number, { expira: number; verificacao: Cacheable }>();
  private readonly emVoo = new Map<number, Promise<Verificacao>>();
  private readonly opts: Required<CatalogoCacheOptions>;

  constructor(
    private readonly downstream: Downstream,
    opts: CatalogoCacheOptions = { ttlMs: 0, maxEntries: 1 },
  ) {
    this.opts = { now: Date.now, ...opts };
  }

  async verificar(produtoId: number): Promise<Verificacao> {
    if (this.opts.ttlMs <= 0) return this.perguntar(produtoId);
    const agora = this.opts.now();
    const guardado = this.cache.get(produtoId);
    if (guardado && guardado.expira > agora) return guardado.verificacao;
    const emVoo = this.emVoo.get(produtoId);
    if (emVoo) return emVoo;
    const pergunta = this.perguntar(produtoId).then(
      (v) => {
        this.emVoo.delete(produtoId);
        if (v.resultado !== 'indisponivel') this.guardar(produtoId, v);
        return v;
      },
      (err: unknown) => {
        this.emVoo.delete(produtoId);
        throw err;
      },
    );
    this.emVoo.set(produtoId, pergunta);
    return pergunta;
  }

  private guardar(produtoId: number, verificacao: Cacheable): void {
    this.cache.delete(produtoId);
    if (this.cache.size >= this.opts.maxEntries) {
      const maisAntigo = this.cache.keys().next();
      if (!maisAntigo.done) this.cache.delete(maisAntigo.value);
    }
    this.cache.set(produtoId, { expira: this.opts.now() + this.opts.ttlMs, verificacao });
  }

  private async perguntar(produtoId: number): Promise<Verificacao> {
    let data: unknown;
    try {
      data = (await this.downstream.request({ method: 'GET', url: `/api/v1/produtos/${produtoId}` })).data;
    } catch (err) {
      const status = responseStatus(err);
      if (status === 404) return { resultado: 'inexistente' };
      // 410 Gone: catalogo knows the product but no longer sells it
      if (status === 410) return { resultado: 'encontrado', nome: '', centavos: 0, ativo: false };
      const unavailable = this.downstream.unavailable(err);
      return { resultado: 'indisponivel', motivo: unavailable?.message ?? `catalogo answered ${status ?? 'an error'}` };
    }
    const parsed = produtoSchema.safeParse(data);
    const cents = parsed.success ? centavos(parsed.data.preco) : undefined;
    if (!parsed.success || cents === undefined || parsed.data.id !== produtoId) {
      return { resultado: 'indisponivel', motivo: 'catalogo answered a product the cart cannot read' };
    }
    return { resultado: 'encontrado', nome: parsed.data.nome, centavos: cents, ativo: parsed.data.ativo !== false };
  }
}

export type CatalogoConfig = Pick<
  Config,
  'CATALOGO_URL' | 'CATALOGO_TIMEOUT_MS' | 'CATALOGO_BREAKER_VOLUME_THRESHOLD' | 'CATALOGO_BREAKER_ERROR_PERCENT' | 'CATALOGO_BREAKER_RESET_MS' | 'CATALOGO_BREAKER_WINDOW_MS'
>;

/** The catalogo client: one breaker per process, with the timeout and thresholds from the config. */
export function buildCatalogo(config: CatalogoConfig, deps: { metrics?: Metrics; logger?: Logger } = {}): Downstream {
  return new Downstream(
    {
      name: 'catalogo',
      baseURL: config.CATALOGO_URL,
      timeoutMs: config.CATALOGO_TIMEOUT_MS,
      volumeThreshold: config.CATALOGO_BREAKER_VOLUME_THRESHOLD,
      errorThresholdPercentage: config.CATALOGO_BREAKER_ERROR_PERCENT,
      resetTimeoutMs: config.CATALOGO_BREAKER_RESET_MS,
      rollingCountTimeoutMs: config.CATALOGO_BREAKER_WINDOW_MS,
    },
    deps,
  );
}
