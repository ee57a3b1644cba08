/**
 * Resilient HTTP to other services: an axios client with keep-alive agents and a timeout, wrapped in
 * one opossum circuit breaker per downstream. 4xx answers are the caller's business and never trip the
 * breaker; timeouts, refused connections and 5xx do. The request id of the current request is
 * forwarded as X-Request-Id, and its deadline as X-Request-Timeout-Ms: a call inside a request with a
 * deadline waits at most the time left (and at most timeoutMs), and tells the callee a little less, so the
 * callee gives up (and answers) before this side stops listening. Breaker state is exported to /metrics.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse, isAxiosError } from 'axios';
import CircuitBreaker from 'opossum';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { currentRequestId, DEADLINE_HEADER, DEADLINE_MARGIN_MS, remainingMs, type Logger } from '@brigadeiro/logger';
import { BREAKER_STATE, type Metrics } from '@brigadeiro/metrics';

export interface DownstreamOptions {
  /** Name used in errors, logs and the breaker metric label, e.g. "catalogo". */
  name: string;
  baseURL: string;
  /** Per-call timeout (axios); inside a request with a deadline, the time left if shorter. Default 2000 ms. */
  timeoutMs?: number;
  /** Calls in the rolling window before the breaker may open. Default 5. */
  volumeThreshold?: number;
  /** Failure percentage in the window that opens the breaker. Default 50. */
  errorThresholdPercentage?: number;
  /** How long the breaker stays open before letting one trial call through (half-open). Default 5000 ms. */
  resetTimeoutMs?: number;
  /** Length of the rolling statistics window. Default 10000 ms. */
  rollingCountTimeoutMs?: number;
  /** Keep-alive sockets kept per downstream. Default 64. */
  maxSockets?: number;
}

export type BreakerStateName = 'closed' | 'half_open' | 'open';

/** One downstream service: call it through `request`; the breaker and metrics come with it. */
export class Downstream {
  readonly name: string;
  readonly http: AxiosInstance;
  readonly breaker: CircuitBreaker<[AxiosRequestConfig], AxiosResponse>;
  private readonly resetTimeoutMs: number;
  private readonly timeoutMs: number;

  constructor(opts: DownstreamOptions, deps: { metrics?: Metrics; logger?: Logger } = {}) {
    this.name = opts.name;
    const timeout = opts.timeoutMs ?? 2000;
    this.resetTimeoutMs = opts.resetTimeoutMs ?? 5000;
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, maxFreeSockets: opts.maxSockets ?? 64 };
    this.http = axios.create({
      baseURL: opts.baseURL,
      timeout,
      httpAgent: new http.Agent(agentOpts),
      httpsAgent: new https.Agent(agentOpts),
      headers: { Accept: 'application/json' },
      // Services answer, they do not redirect: with 0 axios uses Node's http directly instead of wrapping every
      // call in follow-redirects (a measurable share of a checkout's CPU here); a 3xx is an error like a 5xx.
      maxRedirects: 0,
    });
    this.http.interceptors.request.use((config) => {
      const id = currentRequestId();
      if (id) config.headers.set('X-Request-Id', id);
      return config;
    });
    this.timeoutMs = timeout;
    // The timeout is axios' (per call, see request), not opossum's fixed one: a breaker timeout would cut a
    // call that a deadline allows to run longer.
    this.breaker = new CircuitBreaker((config: AxiosRequestConfig) => this.http.request(config), {
      name: opts.name,
      timeout: false,
      volumeThreshold: opts.volumeThreshold ?? 5,
      errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
      resetTimeout: this.resetTimeoutMs,
      rollingCountTimeout: opts.rollingCountTimeoutMs ?? 10_000,
      errorFilter: (err: unknown) => isClientError(err),
    });
    const { metrics, logger } = deps;
    const setState = (state: keyof typeof BREAKER_STATE) => metrics?.breakerState.set({ breaker: this.name }, BREAKER_STATE[state]);
    setState('closed');
    this.breaker.on('open', () => {
      setState('open');
      logger?.warn({ breaker: this.name }, 'circuit breaker opened');
    });
    this.breaker.on('halfOpen', () => {
      setState('halfOpen');
      logger?.info({ breaker: this.name }, 'circuit breaker half-open: letting a trial call through');
    });
    this.breaker.on('close', () => {
      setState('closed');
      logger?.info({ breaker: this.name }, 'circuit breaker closed');
    });
    const count = (event: string) => () => metrics?.breakerEvents.inc({ breaker: this.name, event });
    this.breaker.on('success', count('success'));
    this.breaker.on('failure', count('failure'));
    this.breaker.on('timeout', count('timeout'));
    this.breaker.on('reject', count('reject'));
  }

  get state(): BreakerStateName {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  /**
   * Calls the downstream through the breaker; rejects with the axios error (a timeout is ECONNABORTED) or an
   * opossum error (EOPENBREAKER). Inside a request whose deadline has passed, it rejects with ETIMEDOUT
   * without calling: nobody is waiting for the answer.
   */
  request<T = unknown>(config: AxiosRequestConfig): Promise<AxiosResponse<T>> {
    const left = remainingMs();
    if (left === undefined) return this.breaker.fire(config) as Promise<AxiosResponse<T>>;
    if (left <= DEADLINE_MARGIN_MS) {
      return Promise.reject(Object.assign(new Error(`${this.name} not called: the request's deadline has passed`), { code: 'ETIMEDOUT' }));
    }
    const timeout = Math.min(config.timeout ?? this.timeoutMs, left);
    const headers = { ...(config.headers as Record<string, string> | undefined), [DEADLINE_HEADER]: String(timeout - DEADLINE_MARGIN_MS) };
    return this.breaker.fire({ ...config, timeout, headers }) as Promise<AxiosResponse<T>>;
  }

  /**
   * Turns a failed call into the error a client should see: a 503 with Retry-After when the downstream
   * is unavailable (breaker open, timeout, refused, 5xx). Returns undefined for a 4xx answer, which the
   * caller interprets.
   */
  unavailable(err: unknown): ServiceUnavailableError | undefined {
    if (isClientError(err)) return undefined;
    const code = (err as { code?: string }).code;
    const retryAfter = this.resetTimeoutMs / 1000;
    if (code === 'EOPENBREAKER') return new ServiceUnavailableError(`${this.name} is unavailable (circuit breaker open)`, retryAfter);
    if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') return new ServiceUnavailableError(`${this.name} did not answer in time`, retryAfter);
    const status = isAxiosError(err) ? err.response?.status : undefined;
    return new ServiceUnavailableError(status ? `${this.name} answered ${status}` : `${this.name} is unreachable (${code ?? 'error'})`, retryAfter);
  }

  shutdown(): void {
    this.breaker.shutdown();
    // Both agents hold sockets: the baseURL decides which one axios uses.
    for (const agent of [this.http.defaults.httpAgent, this.http.defaults.httpsAgent] as (http.Agent | undefined)[]) agent?.destroy();
  }
}

/** True for an HTTP answer in 400-499: the downstream is healthy, the request was not. */
export function isClientError(err: unknown): boolean {
  const status = isAxiosError(err) ? err.response?.status : undefined;
  return status !== undefined && status >= 400 && status < 500;
}

/** The HTTP status a downstream answered with, if it answered at all. */
export function responseStatus(err: unknown): number | undefined {
  return isAxiosError(err) ? err.response?.status : undefined;
}
