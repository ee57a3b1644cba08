/**
 * The durable queue's mechanics with in-memory fakes of the database and the checkout (milliseconds, no
 * stack): a claim is not repeated after an error that leaves its outcome unknown, and a worker restarted
 * before its stop() finished runs one polling loop, not two.
 */
import { createLogger } from '@brigadeiro/logger';
import { withDbRetry, type DbRetryOptions } from '@brigadeiro/db';
import type { Database } from '../src/data/database';
import { PedidosRepository } from '../src/data/pedidos-repository';
import type { Checkout } from '../src/domain/checkout';
import { Trabalhador } from '../src/domain/trabalhador';

const silencioso = createLogger({ service: 'pedidos', level: 'silent' });
const erro = (code: string) => Object.assign(new Error(`fake ${code}`), { code });

/** A Database whose every statement fails first with `primeiro`, then answers `[]`; the retry policy is the real one. */
function bancoQueFalhaUmaVez(primeiro: string) {
  let chamadas = 0;
  const statement = async () => {
    chamadas++;
    if (chamadas === 1) throw erro(primeiro);
    return [];
  };
  const prisma = { $queryRaw: statement, tarefaPendente: { updateMany: statement } };
  const db = { run: (fn: (p: typeof prisma) => Promise<unknown>, retry?: DbRetryOptions | false) => withDbRetry(() => fn(prisma), retry || { windowMs: 0 }) };
  return { db: db as unknown as Database, chamadas: () => chamadas };
}

describe('queue claim (reivindicar)', () => {
  const retry: DbRetryOptions = { windowMs: 2_000, initialDelayMs: 1 };

  it('when the connection drops mid-claim (outcome unknown), then the claim is not run again', async () => {
    const b = bancoQueFalhaUmaVez('ECONNRESET');
    await expect(new PedidosRepository(b.db, retry).reivindicar(10, 60_000)).rejects.toThrow('fake ECONNRESET');
    expect(b.chamadas()).toBe(1);
  });

  it('when the claim provably never ran (connection refused), then it is retried', async () => {
    const b = bancoQueFalhaUmaVez('ECONNREFUSED');
    await expect(new PedidosRepository(b.db, retry).reivindicar(10, 60_000)).resolves.toEqual([]);
    expect(b.chamadas()).toBe(2);
  });

  it('when an idempotent queue write (adiarTarefa) meets the same dropped connection, then it is retried', async () => {
    const b = bancoQueFalhaUmaVez('ECONNRESET');
    await new PedidosRepository(b.db, retry).adiarTarefa('1', 1000, 'x');
    expect(b.chamadas()).toBe(2);
  });
});

describe('worker restart (Trabalhador start after an unfinished stop)', () => {
  it('when start() comes before stop() has finished, then one polling loop runs and stop() still waits for the old poll', async () => {
    let soltar!: () => void;
    const presa = new Promise<void>((r) => (soltar = r));
    let polls = 0;
    const repo = {
      reivindicar: async () => {
        polls++;
        if (polls === 1) await presa; // the first poll is in hand when stop() is called
        return [];
      },
    } as unknown as PedidosRepository;
    const checkout = {} as Checkout;
    const intervaloMs = 50;
    const w = new Trabalhador(repo, checkout, silencioso, { intervaloMs });

    w.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(polls).toBe(1);
    let parou = false;
    const parando = w.stop().then(() => (parou = true));
    w.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(parou).toBe(false);
    soltar();
    await parando;

    // From here one loop polls every 50 ms: about 10 polls in 500 ms; two loops would make about 20.
    const antes = polls;
    await new Promise((r) => setTimeout(r, 500));
    const feitos = polls - antes;
    await w.stop();
    expect(feitos).toBeGreaterThan(0);
    expect(feitos).toBeLessThanOrEqual(500 / intervaloMs + 2);
    const depois = polls;
    await new Promise((r) => setTimeout(r, 3 * intervaloMs));
    expect(polls).toBe(depois);
  });
});
