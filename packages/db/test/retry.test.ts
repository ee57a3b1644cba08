import net from 'node:net';
import { runWithContext } from '@brigadeiro/logger';
import { createPgPool, failedBeforeSend, withDbRetry } from '../src';

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

function pgError(code: string, message = 'x'): Error {
  return Object.assign(new Error(message), { code });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('withDbRetry', () => {
  test('when the first attempts fail with retryable errors, then it retries until one succeeds', async () => {
    const errors = [pgError('57P01'), pgError('25006'), pgError('ECONNRESET')];
    const attempts: number[] = [];
    const out = await withDbRetry(async (n) => {
      attempts.push(n);
      const e = errors.shift();
      if (e) throw e;
      return 'ok';
    }, fast);
    expect(out).toBe('ok');
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  test('when the error is not retryable (unique violation), then it is rethrown at once', async () => {
    let calls = 0;
    const dup = pgError('23505', 'duplicate key');
    await expect(withDbRetry(async () => {
      calls++;
      throw dup;
    }, fast)).rejects.toBe(dup);
    expect(calls).toBe(1);
  });

  test('when the window closes, then the last retryable error is rethrown', async () => {
    let calls = 0;
    await expect(withDbRetry(async () => {
      calls++;
      throw pgError('08006', `attempt ${calls}`);
    }, { ...fast, windowMs: 60 })).rejects.toMatchObject({ code: '08006' });
    expect(calls).toBeGreaterThan(1);
  });

  test('when retryIf is failedBeforeSend, then a reset mid-statement is not retried', async () => {
    let calls = 0;
    await expect(withDbRetry(async () => {
      calls++;
      throw pgError('ECONNRESET');
    }, { ...fast, retryIf: failedBeforeSend })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(calls).toBe(1);
  });

  test('when onRetry is given, then it hears every retried error with its attempt number', async () => {
    const seen: number[] = [];
    let n = 0;
    await withDbRetry(async () => {
      if (++n < 3) throw pgError('08001');
      return n;
    }, { ...fast, onRetry: (_e, attempt) => seen.push(attempt) });
    expect(seen).toEqual([1, 2]);
  });

  test('when the database port refuses connections, then a real pg query is retried and the refusal surfaces after the window', async () => {
    const port = await closedPort();
    const pool = createPgPool(`postgresql://nobody:pw@127.0.0.1:${port}/nothing`, { connectionTimeoutMillis: 500 });
    let calls = 0;
    try {
      await expect(withDbRetry(() => {
        calls++;
        return pool.query('SELECT 1');
      }, { ...fast, windowMs: 150 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(calls).toBeGreaterThan(1);
    } finally {
      await pool.end();
    }
  });
});

describe('failedBeforeSend', () => {
  test('when the error proves the statement never ran, then it is true', () => {
    for (const e of [
      pgError('ECONNREFUSED'),
      pgError('25006', 'cannot execute UPDATE in a read-only transaction'),
      pgError('57P03', 'the database system is starting up'),
      new Error('timeout exceeded when trying to connect'),
      { name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '25006' } } } },
      new AggregateError([pgError('ECONNREFUSED')], 'connect failed'),
    ]) {
      expect(failedBeforeSend(e)).toBe(true);
    }
  });

  test('when the statement may have run (reset, terminated, admin shutdown) or failed on its own, then it is false', () => {
    for (const e of [
      pgError('ECONNRESET'),
      new Error('Connection terminated unexpectedly'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('23505', 'duplicate key'),
      'not an error',
      undefined,
    ]) {
      expect(failedBeforeSend(e)).toBe(false);
    }
  });
});

describe('withDbRetry inside a request with a deadline', () => {
  test('when the database stays down, then retrying stops at the request\'s deadline, not at the longer window', async () => {
    const started = Date.now();
    const run = runWithContext({ requestId: 'r1', deadline: Date.now() + 400 }, () =>
      withDbRetry(async () => {
        throw pgError('57P01');
      }, { ...fast, windowMs: 60_000 }),
    );
    await expect(run).rejects.toMatchObject({ code: '57P01' });
    expect(Date.now() - started).toBeLessThan(5_000); // the 0.4 s deadline, not the 60 s window
  });

  test('when the deadline is further than the window, then retrying goes on until the database is back', async () => {
    const backAt = Date.now() + 600;
    const out = await runWithContext({ requestId: 'r2', deadline: Date.now() + 5_000 }, () =>
      withDbRetry(async () => {
        if (Date.now() < backAt) throw pgError('08006');
        return 'ok';
      }, { ...fast, windowMs: 100 }),
    );
    expect(out).toBe('ok');
  });
});
