/**
 * The failover report's pieces that need no cluster: ab's report parsed from a real ab run against a local
 * HTTP server, the 100 ms timeline, and the seed's table rows. (Does not touch the shared stack.)
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { checkoutWithRetry, parseAb, type RequestRecord } from '../scripts/failover/load';
import { formatReport, reportRows } from '../scripts/failover/report';
import { answers, type FailoverResult, timeline } from '../scripts/failover/run';

describe('failover report', () => {
  it('when ab runs against a server that fails some requests, then parseAb reads the complete, failed and non-2xx counts', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      n++;
      res.statusCode = n % 5 === 0 ? 503 : 200;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const out = await new Promise<string>((resolve) => {
        const c = spawn('ab', ['-q', '-n', '50', '-c', '2', `http://127.0.0.1:${port}/`]);
        let s = '';
        c.stdout.on('data', (d: Buffer) => (s += d.toString()));
        c.on('close', () => resolve(s));
      });
      const r = parseAb(out);
      expect(r.complete).toBe(50);
      expect(r.non2xx).toBe(10);
      expect(r.failed).toBe(0);
      expect(r.requestsPerSecond).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it('when a checkout answers 503 then 201, then checkoutWithRetry repeats it with the same Idempotency-Key, waiting pauseMs rather than the Retry-After', async () => {
    const keys: string[] = [];
    const server = http.createServer((req, res) => {
      keys.push(String(req.headers['idempotency-key']));
      req.resume();
      res.setHeader('content-type', 'application/json');
      if (keys.length < 4) {
        res.statusCode = 503;
        res.setHeader('retry-after', '2');
        res.end(JSON.stringify({ code: 'dependency_unavailable' }));
      } else {
        res.statusCode = 201;
        res.end(JSON.stringify({ id: 42 }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const gw = axios.create({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, validateStatus: () => true });
    try {
      const records: RequestRecord[] = [];
      const started = Date.now();
      const id = await checkoutWithRetry(gw, 'carrinho-1', records, 30_000, 50);
      expect(id).toBe(42);
      expect(records.map((r) => r.status)).toEqual([503, 503, 503, 201]);
      expect(new Set(keys).size).toBe(1);
      // Three Retry-After waits would take 6 s.
      expect(Date.now() - started).toBeLessThan(2000);
      expect(answers(records)).toBe('503 dependency_unavailable x3');
      expect(answers(records.slice(3))).toBe('none failed');
    } finally {
      server.close();
    }
  });

  it('when requests end around the kill, then the timeline puts them in 100 ms buckets relative to it, ok and failed apart', () => {
    const kill = 1_000_000;
    const rec = (kind: RequestRecord['kind'], end: number, ok: boolean): RequestRecord => ({ kind, start: end - 10, end, ok, status: ok ? 200 : 503 });
    const tl = timeline([rec('leitura', kill - 150, true), rec('checkout', kill + 20, false), rec('checkout', kill + 99, true), rec('leitura', kill + 250, true)], kill);
    expect(tl.map((b) => b.t)).toEqual([-200, -100, 0, 100, 200]);
    expect(tl[0]).toMatchObject({ leitura_ok: 1 });
    expect(tl[2]).toMatchObject({ checkout_ok: 1, checkout_falha: 1, leitura_ok: 0 });
    expect(tl[4]).toMatchObject({ leitura_ok: 1 });
  });

  it('when a run is reported, then the table has the seed rows first and says whether writes were lost', () => {
    const r: FailoverResult = {
      ok: true, problems: [], startedAt: '2026-01-01T00:00:00.000Z', mode: 'node', oldLeader: 'pg1', newLeader: 'pg2',
      detectionMs: 5400, failoverMs: 5800, firstCheckoutMs: 6700, rejoinMs: 20000, rejoinFromRestartMs: 13000, downtimeMs: 6700,
      requests: { total: 100, failed: 2, reads: { total: 50, failed: 0 }, checkoutAttempts: { total: 50, failed: 2 }, checkoutsGaveUp: 0, ab: null },
      acknowledgedOrders: 48, acknowledgedLost: 0, lostOrderIds: [],
      clusterAfter: { leader: 'pg2', members: [] }, failures: [], timeline: [],
    };
    const rows = reportRows(r);
    expect(rows.slice(0, 4).map(([k]) => k)).toEqual(['Tempo de detecção', 'Tempo de failover', 'Requisições perdidas', 'Downtime total']);
    expect(rows[0]![1]).toBe('5.40 s (novo líder: pg2)');
    expect(rows[2]![1]).toBe('2 de 100');
    expect(formatReport(r)).toContain('RESULT: recovered, no acknowledged write lost');
    expect(formatReport({ ...r, ok: false, acknowledgedLost: 1, problems: ['1 acknowledged order(s) missing'] })).toContain('RESULT: FAILED');
  });
});
