/**
 * The ab wrapper against a real ab and a real HTTP server: bounds, counts and percentiles as numbers
 * that make sense (monotonic), including below 100 requests, where ab's own CSV reads past its data.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { abArgs, runAb } from '../bench/lib/ab';

describe('bench ab wrapper', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('when ab gets both bounds, then -t comes before -n so the request count is not reset to 50000', () => {
    const args = abArgs({ url: url + '/', requests: 1000, concurrency: 100, seconds: 5 });
    expect(args.indexOf('-t')).toBeLessThan(args.indexOf('-n'));
    expect(args.slice(args.indexOf('-n'), args.indexOf('-n') + 2)).toEqual(['-n', '1000']);
  });

  test.each([50, 300])('when ab makes %i requests, then every one is counted and the percentiles are monotonic numbers', async (n) => {
    const r = await runAb({ url: url + '/', requests: n, concurrency: 5, seconds: 10, keepAlive: true });
    expect({ complete: r.complete, failed: r.failed, non2xx: r.non2xx, successPct: r.successPct }).toEqual({ complete: n, failed: 0, non2xx: 0, successPct: 100 });
    for (const v of [r.rps, r.timeTaken, r.meanMs, r.p50, r.p95, r.p99, r.max]) expect(Number.isFinite(v)).toBe(true);
    expect(r.p50).toBeLessThanOrEqual(r.p95);
    expect(r.p95).toBeLessThanOrEqual(r.p99);
    expect(r.p99).toBeLessThanOrEqual(r.max);
  });

  test('when the server answers 404, then the answers count as non-2xx and the success rate is 0', async () => {
    const r = await runAb({ url: url + '/missing', requests: 20, concurrency: 2, seconds: 10 });
    expect({ complete: r.complete, non2xx: r.non2xx, successPct: r.successPct }).toEqual({ complete: 20, non2xx: 20, successPct: 0 });
  });
});
