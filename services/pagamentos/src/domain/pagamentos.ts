/**
 * Payment use cases. Idempotent by pedido_id: the first authorisation's decision (approved or declined) is
 * stored and every repeat, concurrent or later, gets that same decision back; the row is the charge, and
 * there is at most one per order.
 */
import { CARTAO_SEMPRE_RECUSADO, type AutorizarPagamento, type Pagamento } from '@brigadeiro/contracts';
import { AppError, NotFoundError } from '@brigadeiro/errors';
import type { PagamentosRepository } from '../data/pagamentos.repository';

export interface Simulacao {
  latenciaMinMs: number;
  latenciaMaxMs: number;
  /** 0..1 */
  taxaAprovacao: number;
}

/** The simulated acquirer: waits a while and decides. `random` and `sleep` are injectable for tests. */
export interface Autorizador {
  decidir(pedido: AutorizarPagamento): Promise<{ aprovado: true } | { aprovado: false; motivo: string }>;
}

export function autorizadorSimulado(
  sim: Simulacao,
  random: () => number = Math.random,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Autorizador {
  return {
    async decidir(pedido) {
      const espera = Math.round(sim.latenciaMinMs + random() * (sim.latenciaMaxMs - sim.latenciaMinMs));
      if (espera > 0) await sleep(espera);
      if (pedido.cartao === CARTAO_SEMPRE_RECUSADO) return { aprovado: false, motivo: 'cartao_recusado: sandbox card always declined' };
      if (random() >= sim.taxaAprovacao) return { aprovado: false, motivo: 'nao_autorizado: declined by the issuer (simulated)' };
      return { aprovado: true };
    },
  };
}

export class PagamentoRecusadoError extends AppError {
  constructor(pagamento: Pagamento) {
    super(402, 'payment_declined', `the payment of order ${pagamento.pedido_id} was declined: ${pagamento.motivo ?? 'no reason given'}`, pagamento);
  }
}

export class Pagamentos {
  constructor(
    private readonly repo: PagamentosRepository,
    private readonly autorizador: Autorizador,
  ) {}

  /**
   * 201 (criado) the first time, 200 on a repeat; a declined payment throws PagamentoRecusadoError both times.
   * The acquirer is asked only when the order has no payment yet. The repository logs each authorisation
   * (autorizar: the status, or repetido_<status>) in the statement that reads or stores it.
   */
  async autorizar(pedido: AutorizarPagamento): Promise<{ criado: boolean; pagamento: Pagamento }> {
    const existente = await this.repo.repetido(pedido);
    let resultado: { criado: boolean; pagamento: Pagamento };
    if (existente) {
      resultado = { criado: false, pagamento: existente };
    } else {
      const decisao = await this.autorizador.decidir(pedido);
      resultado = await this.repo.inserirSeNovo({
        pedido_id: pedido.pedido_id,
        valor: pedido.valor,
        metodo: pedido.metodo,
        status: decisao.aprovado ? 'aprovado' : 'rejeitado',
        motivo: decisao.aprovado ? null : decisao.motivo,
      });
    }
    if (resultado.pagamento.status === 'rejeitado') throw new PagamentoRecusadoError(resultado.pagamento);
    return resultado;
  }

  /**
   * Voids an approved payment, once. A declined or already voided one is returned as it is. With no payment
   * yet it is a 404, and the estorno is remembered: an authorisation still in flight (its caller timed out and
   * compensated) is then declined when it lands, so a cancelled order is never charged.
   */
  async estornar(pedidoId: number): Promise<Pagamento> {
    const { estornado, pagamento } = await this.repo.estornar(pedidoId);
    await this.repo.registrar({
      pedido_id: pedidoId,
      operacao: 'estornar',
      resultado: !pagamento ? 'inexistente' : estornado ? 'estornado' : `sem_efeito_${pagamento.status}`,
    });
    if (!pagamento) throw new NotFoundError(`order ${pedidoId} has no payment`);
    return pagamento;
  }
}
