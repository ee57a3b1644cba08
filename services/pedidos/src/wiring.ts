/**
 * Builds pedidos' collaborators from plain settings: one Downstream (axios keep-alive + one opossum breaker)
 * per service, the transport-independent ports over them, the checkout and the queue worker. main.ts
 * calls it with the config; tests call it with the test stack's URLs and shorter timeouts.
 */
import type { Logger } from '@brigadeiro/logger';
import type { Metrics } from '@brigadeiro/metrics';
import { Downstream } from '@brigadeiro/http-client';
import type { Database } from './data/database';
import { PedidosRepository } from './data/pedidos-repository';
import { carrinhoHttp } from './downstreams/carrinho';
import { catalogoHttp } from './downstreams/catalogo';
import { estoqueHttp } from './downstreams/estoque';
import { fiscalHttp } from './downstreams/fiscal';
import { logisticaHttp } from './downstreams/logistica';
import { pagamentosHttp } from './downstreams/pagamentos';
import { Checkout } from './domain/checkout';
import { Trabalhador, type TrabalhadorOptions } from './domain/trabalhador';

export const DOWNSTREAMS = ['catalogo', 'carrinho', 'pagamentos', 'estoque', 'fiscal', 'logistica'] as const;
export type NomeDownstream = (typeof DOWNSTREAMS)[number];

export interface BreakerSettings {
  timeoutMs: number;
  volumeThreshold: number;
  errorThresholdPercentage: number;
  resetTimeoutMs: number;
}

export interface PedidosSettings {
  urls: Record<NomeDownstream, string>;
  breaker: BreakerSettings;
  worker?: TrabalhadorOptions;
  retomarEmMs?: number;
  /** A checkout's deadline (CHECKOUT_DEADLINE_MS); Checkout's default when left out. */
  prazoCheckoutMs?: number;
}

export interface Pedidos {
  repo: PedidosRepository;
  downstreams: Record<NomeDownstream, Downstream>;
  breaker: BreakerSettings;
  checkout: Checkout;
  trabalhador: Trabalhador;
  /** Stops the worker (waiting for the task in hand) and closes the breakers and keep-alive sockets. */
  close(): Promise<void>;
}

export function montarPedidos(s: PedidosSettings, deps: { database: Database; logger: Logger; metrics: Metrics }): Pedidos {
  const downstreams = Object.fromEntries(
    DOWNSTREAMS.map((name) => [
      name,
      new Downstream(
        {
          name,
          baseURL: s.urls[name],
          timeoutMs: s.breaker.timeoutMs,
          volumeThreshold: s.breaker.volumeThreshold,
          errorThresholdPercentage: s.breaker.errorThresholdPercentage,
          resetTimeoutMs: s.breaker.resetTimeoutMs,
        },
        { metrics: deps.metrics, logger: deps.logger },
      ),
    ]),
  ) as Record<NomeDownstream, Downstream>;
  const repo = new PedidosRepository(deps.database);
  const checkout = new Checkout(
    repo,
    {
      catalogo: catalogoHttp(downstreams.catalogo),
      carrinho: carrinhoHttp(downstreams.carrinho),
      pagamentos: pagamentosHttp(downstreams.pagamentos),
      estoque: estoqueHttp(downstreams.estoque),
      fiscal: fiscalHttp(downstreams.fiscal),
      logistica: logisticaHttp(downstreams.logistica),
    },
    deps.logger,
    { ...(s.retomarEmMs === undefined ? {} : { retomarEmMs: s.retomarEmMs }), ...(s.prazoCheckoutMs === undefined ? {} : { prazoMs: s.prazoCheckoutMs }) },
  );
  const trabalhador = new Trabalhador(repo, checkout, deps.logger, s.worker);
  return {
    repo,
    downstreams,
    breaker: s.breaker,
    checkout,
    trabalhador,
    async close() {
      await trabalhador.stop();
      for (const d of Object.values(downstreams)) d.shutdown();
    },
  };
}
