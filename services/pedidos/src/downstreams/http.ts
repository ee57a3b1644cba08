/**
 * The HTTP side of the downstream modules: one call through a Downstream (axios keep-alive + its opossum
 * breaker) with retries and exponential backoff, used only for operations that are idempotent by pedido_id
 * (all of the internal ones). Retried: refused/reset connections and 502/503/504, where asking again may
 * succeed at once. Not retried: timeouts (a hung service would only multiply the wait before the 503),
 * breaker rejections and 4xx (the answer would be the same).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { Downstream } from '@brigadeiro/http-client';
import { isClientError, responseStatus } from '@brigadeiro/http-client';
import { Indisponivel, RespostaInvalida } from './resultado';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  tentativas?: number;
  /** First wait; doubles each time, with jitter. Default 100 ms. */
  baseMs?: number;
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN']);

function vale_repetir(err: unknown): boolean {
  if (isClientError(err)) return false;
  const status = responseStatus(err);
  if (status !== undefined) return status === 502 || status === 503 || status === 504;
  return RETRYABLE_CODES.has((err as { code?: string }).code ?? '');
}


/** A 4xx answer the caller interprets: its status and JSON body. */
export interface RespostaCliente {
  status: number;
  body: unknown;
}

/**
 * Calls `config` on `ds`. Resolves with the 2xx response or, for a 4xx, with `{cliente: {status, body}}`;
 * rejects with Indisponivel when the service is unavailable after the retries.
 */
export async function chamar<T = unknown>(
  ds: Downstream,
  config: AxiosRequestConfig,
  retry: RetryOptions = {},
): Promise<{ ok: AxiosResponse<T> } | { cliente: RespostaCliente }> {
  const tentativas = retry.tentativas ?? 3;
  const base = retry.baseMs ?? 100;
  for (let i = 1; ; i++) {
    try {
      return { ok: await ds.request<T>(config) };
    } catch (err) {
      if (isClientError(err)) return { cliente: { status: responseStatus(err)!, body: (err as { response?: { data?: unknown } }).response?.data } };
      if (i < tentativas && vale_repetir(err)) {
        await sleep(base * 2 ** (i - 1) * (0.5 + Math.random()));
        continue;
      }
      const problema = ds.unavailable(err);
      const retryAfter = Number(problema?.headers['Retry-After'] ?? 5);
      throw new Indisponivel(ds.name, problema?.message ?? `${ds.name} failed`, retryAfter, (err as { code?: string }).code === 'EOPENBREAKER');
    }
  }
}

/** Checks a downstream's answer against its contract schema. */
export function conforme<S extends z.ZodType>(servico: string, schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw new RespostaInvalida(servico, `${servico} answered outside its contract: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export function semResposta(servico: string, r: RespostaCliente): RespostaInvalida {
  const body = r.body as { code?: string; message?: string } | undefined;
  return new RespostaInvalida(servico, `${servico} answered ${r.status}${body?.code ? ` ${body.code}` : ''}${body?.message ? `: ${body.message}` : ''}`);
}
