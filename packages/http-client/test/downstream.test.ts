import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '@brigadeiro/metrics';
import { runWithContext } from '@brigadeiro/logger';
import { Downstream } from '../src';

/** A real HTTP server on loopback whose behaviour the test switches. */
async function fakeDownstream() {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang' | 'notfound', seenRequestIds: [] as (string | undefined)[], seenBudgets: [] as (string | undefined)[] };
  const server = http.createServer((req, res) => {
    state.seenRequestIds.push(req.headers['x-request-id'] as string | undefined);
    state.seenBudgets.push(req.headers['x-request-timeout-ms'] as string | undefined);
    if (state.mode === 'hang') return; // never answers
    const status = state.mode === 'ok' ? 200 : state.mode === 'notfound' ? 404 : 500;
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, url, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('Downstream breaker', () => {
  let fake: Awaited<ReturnType<typeof fakeDownstream>>;
  let ds: Downstream;
  const metrics = createMetrics({ service: 'test' });

  beforeEach(async () => {
    fake = await fakeDownstream();
    ds = new Downstream({ name: 'fake', baseURL: fake.url, timeoutMs: 200, volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 }, { metrics });
  });
  afterEach(async () => {
    ds.shutdown();
    await fake.close();
  });

  it('when calls succeed, then the breaker stays closed and the request id is forwarded', async () => {
    await runWithContext({ requestId: 'rid-7' }, () => ds.request({ url: '/x' }));
    expect(ds.state).toBe('closed');
    expect(fake.state.seenRequestIds).toEqual(['rid-7']);
  });

  it('when the downstream answers 4xx, then the breaker does not open and no 503 is made of it', async () => {
    fake.state.mode = 'notfound';
    for (let i = 0; i < 6; i++) {
      const err = await ds.request({ url: '/x' }).catch((e) => e);
      expect(ds.unavailable(err)).toBeUndefined();
    }
    expect(ds.state).toBe('closed');
  });

  it('when it fails, then the breaker opens, rejects fast, goes half-open and closes after recovery', async () => {
    fake.state.mode = 'fail';
    for (let i = 0; i < 3; i++) await ds.request({ url: '/x' }).catch(() => undefined);
    expect(ds.state).toBe('open');
    const before = fake.state.seenRequestIds.length;
    const err = await ds.request({ url: '/x' }).catch((e) => e);
    expect(err.code).toBe('EOPENBREAKER');
    expect(fake.state.seenRequestIds.length).toBe(before); // rejected without touching the downstream
    const mapped = ds.unavailable(err)!;
    expect(mapped.status).toBe(503);
    expect(mapped.headers['Retry-After']).toBe('1');
    expect(await metrics.registry.getSingleMetricAsString('circuit_breaker_state')).toMatch(/breaker="fake"[^}]*\} 2/);

    fake.state.mode = 'ok';
    await new Promise((r) => setTimeout(r, 350));
    expect(ds.state).toBe('half_open');
    await ds.request({ url: '/x' });
    expect(ds.state).toBe('closed');
  });

  it('when the downstream hangs, then the call times out and counts as a failure', async () => {
    fake.state.mode = 'hang';
    const err = await ds.request({ url: '/x' }).catch((e) => e);
    expect(['ETIMEDOUT', 'ECONNABORTED']).toContain(err.code);
    expect(ds.unavailable(err)!.message).toMatch(/did not answer in time/);
  });
});

describe('Downstream shutdown', () => {
  it('when shut down, then both keep-alive agents (http and https) are destroyed', () => {
    const ds = new Downstream({ name: 'idle', baseURL: 'https://127.0.0.1:1' });
    const agents = [ds.http.defaults.httpAgent, ds.http.defaults.httpsAgent] as http.Agent[];
    const destroyed = agents.map((a) => jest.spyOn(a, 'destroy'));
    ds.shutdown();
    for (const spy of destroyed) expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('Downstream deadline', () => {
  let fake: Awaited<ReturnType<typeof fakeDownstream>>;
  let ds: Downstream;

  beforeEach(async () => {
    fake = await fakeDownstream();
    // A long timeout of its own: what must end the call here is the request's deadline.
    ds = new Downstream({ name: 'fake', baseURL: fake.url, timeoutMs: 20_000 });
  });
  afterEach(async () => {
    ds.shutdown();
    await fake.close();
  });

  it('when a call is made inside a request with a deadline, then the callee is told the time left less a margin and the call ends at the deadline', async () => {
    fake.state.mode = 'hang';
    const started = Date.now();
    const err = await runWithContext({ requestId: 'rid-d', deadline: Date.now() + 500 }, () => ds.request({ url: '/x' })).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ECONNABORTED');
    expect(ds.unavailable(err)?.message).toMatch(/did not answer in time/);
    expect(Date.now() - started).toBeLessThan(5_000); // the deadline (0.5 s) ended it, not the 20 s timeout
    const told = Number(fake.state.seenBudgets[0]);
    expect(told).toBeGreaterThan(0);
    expect(told).toBeLessThanOrEqual(500 - 150);
  });

  it('when a call is made without a deadline, then no budget header is sent', async () => {
    await runWithContext({ requestId: 'rid-n' }, () => ds.request({ url: '/x' }));
    expect(fake.state.seenBudgets).toEqual([undefined]);
  });

  it('when the request\'s deadline has already passed, then the downstream is not called at all', async () => {
    const err = await runWithContext({ requestId: 'rid-p', deadline: Date.now() - 1 }, () => ds.request({ url: '/x' })).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ETIMEDOUT');
    expect(fake.state.seenRequestIds).toEqual([]);
  });
});
