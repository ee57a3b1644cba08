/**
 * The queue worker's stop(): it waits for every task in hand, even when another task of the same poll failed
 * to be recorded (its database call rejected), so main.ts never closes the breakers and the pool under a task
 * still running. Fakes stand in for the repository and the checkout: what is checked is the worker's ordering.
 */
import { createLogger } from '@brigadeiro/logger';
import type { PedidosRepository, TarefaGuardada } from '../src/data/pedidos-repository';
import type { Checkout } from '../src/domain/checkout';
import { Trabalhador } from '../src/domain/trabalhador';

const tarefa = (id: string): TarefaGuardada => ({ id, pedidoId: Number(id), etapa: 'fiscal', tentativas: 1, proximaTentativaEm: new Date(), ultimoErro: null });

it('when one task of a poll fails to be recorded while another is still running, then the poll settles only after the running one ends', async () => {
  let terminarLenta!: () => void;
  const lenta = new Promise<void>((r) => (terminarLenta = r));
  const concluidas: string[] = [];
  const repo = {
    reivindicar: async () => [tarefa('1'), tarefa('2')],
    concluirTarefa: async (id: string) => {
      if (id === '1') throw new Error('database unreachable');
      concluidas.push(id);
    },
    adiarTarefa: async () => undefined,
  } as unknown as PedidosRepository;
  const checkout = {
    executarTarefa: async (t: TarefaGuardada) => {
      if (t.id === '2') await lenta;
      return { feito: true };
    },
  } as unknown as Checkout;
  const trabalhador = new Trabalhador(repo, checkout, createLogger({ service: 'pedidos', level: 'silent' }));

  let assentada = false;
  const rodada = trabalhador.rodada().finally(() => (assentada = true));
  rodada.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  expect(assentada).toBe(false);

  terminarLenta();
  await expect(rodada).rejects.toThrow('database unreachable');
  expect(concluidas).toEqual(['2']);
});
