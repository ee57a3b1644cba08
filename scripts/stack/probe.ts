/**
 * Readiness probes: small network checks and one polling loop. Readiness is always something observed
 * (an HTTP answer, a PING, a stats line), polled until a deadline; never a fixed sleep.
 */
import http from 'node:http';
import net from 'node:net';
import { HOST } from '@brigadeiro/topology';

export class StartError extends Error {
  constructor(
    message: string,
    /** The component whose log explains the failure. */
    readonly component?: string,
  ) {
    super(message);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked on every round: a process that died fails the wait at once instead of at the deadline. */
  alive?: () => boolean;
  component?: string;
}

/**
 * Polls `check` until it returns a value other than undefined/false and returns it. On timeout the error
 * names what was awaited and the last reason the check gave (its thrown message or returned string).
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, o: WaitOptions): Promise<T> {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (o.alive && !o.alive()) throw new StartError(`${what}: the process exited during start`, o.component);
    if (Date.now() - started > o.timeoutMs) {
      throw new StartError(`${what}: not ready after ${Math.round(o.timeoutMs / 1000)} s${last ? ` (last error: ${last})` : ''}`, o.component);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
}

/** Runs `work` with a deadline (for steps that are one long call rather than a poll). */
export async function withTimeout<T>(what: string, work: Promise<T>, timeoutMs: number, component?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartError(`${what}: not done after ${Math.round(timeoutMs / 1000)} s`, component)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpRequest(port: number, path: string, method = 'GET', timeoutMs = 2000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path, method, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function httpJson<T>(port: number, path: string, timeoutMs = 2000): Promise<T> {
  const a = await httpRequest(port, path, 'GET', timeoutMs);
  if (a.status !== 200) throw new Error(`GET ${path} answered ${a.status}`);
  return JSON.parse(a.body) as T;
}

/** Opens a TCP connection, writes `send` (if any) and collects the answer until `done(answer)` or close. */
export function tcpExchange(target: { port: number } | { path: string }, send: string | undefined, done: (s: string) => boolean, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = 'port' in target ? net.connect({ host: HOST, port: target.port }) : net.connect({ path: target.path });
    let answer = '';
    const finish = (err?: Error) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(answer);
    };
    sock.setTimeout(timeoutMs, () => finish(new Error(`timeout after ${timeoutMs} ms`)));
    sock.on('connect', () => {
      if (send === undefined) finish();
      else sock.write(send);
    });
    sock.on('data', (d) => {
      answer += d.toString('utf8');
      if (done(answer)) finish();
    });
    sock.on('end', () => finish());
    sock.on('error', (e) => finish(e));
  });
}

export async function redisPing(port: number): Promise<boolean> {
  const a = await tcpExchange({ port }, 'PING\r\n', (s) => s.includes('\r\n'));
  if (!a.startsWith('+PONG')) throw new Error(`redis answered ${JSON.stringify(a.trim())}`);
  return true;
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: HOST, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
