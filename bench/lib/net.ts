/** Loopback helpers: free ports, waiting for a server to answer, small JSON requests. */
import http from 'node:http';
import net from 'node:net';
import { HOST } from '@brigadeiro/topology';

/** A port nobody listens on right now (the OS picks it; a tiny race remains, as with any such helper). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with a timeout; rejects on a connection error or when no answer comes in `timeoutMs`. */
export function request(url: string, opts: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        timeout: opts.timeoutMs ?? 3000,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 3000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const r = await request(url, { timeoutMs });
    return r.status >= 200 && r.status < 500;
  } catch {
    return false;
  }
}

/** Polls `url` until it answers (any status below 500) or `timeoutMs` passes. */
export async function waitFor(url: string, timeoutMs: number, isDead?: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isDead?.()) return false;
    if (await answers(url, 500)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
