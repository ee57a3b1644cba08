/**
 * Malformed requests through the stack's gateway (gatewayUrl(loadTopology()), started by `npm test`), sent as
 * raw bytes over a socket because fetch and supertest normalise paths and refuse to send a bad request line.
 * Whatever nginx refuses itself (a bad percent escape, a path above /, a bad version, headers too large...)
 * and whatever it passes on for a service to refuse, the answer is a 4xx JSON problem body with the request
 * id, never nginx's HTML page and never a 5xx. What nginx answers without JSON (HTTP/0.9, a request line that
 * never ends) is pinned down at the end.
 */
import net from 'node:net';
import { loadTopology } from '@brigadeiro/topology';

const t = loadTopology();
const PREFIXES = ['/api/v1/produtos', '/api/v1/categorias', '/api/v1/carrinhos', '/api/v1/pedidos', '/api/v1/nada'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const HEADERS = 'Host: brigadeiro.test\r\nConnection: close\r\n';

interface RawAnswer {
  /** Every byte nginx sent before it closed the connection. */
  bytes: Buffer;
  /** True when the connection was still open (and silent or mid-answer) at the deadline. */
  timedOut: boolean;
}

/**
 * Sends `data` and collects the answer until it is complete (headers and Content-Length bytes: nginx may
 * keep a connection open for seconds after an error, reading the body it refused) or nginx closes the
 * connection. The socket is never half-closed unless `endAfterWrite`: nginx takes a client's FIN during a
 * proxied request for an abandoned request.
 */
function send(data: string | Buffer, opts: { timeoutMs?: number; endAfterWrite?: boolean } = {}): Promise<RawAnswer> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const head = bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(t.ports.gateway, '127.0.0.1');
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), timedOut });
    };
    const timer = setTimeout(() => finish(true), opts.timeoutMs ?? 10_000);
    socket.on('data', (d) => {
      chunks.push(d);
      if (complete(Buffer.concat(chunks), head)) finish(false);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => finish(false));
    socket.write(bytes);
    if (opts.endAfterWrite) socket.end();
  });
}

/** True when `raw` holds a whole HTTP/1.1 answer with a Content-Length (a HEAD answer has no body). */
function complete(raw: Buffer, head: boolean): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.subarray(0, 9).equals(Buffer.from('HTTP/1.1 ')) || end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.subarray(0, end).toString('latin1'));
  return length !== null && (head || raw.length - end - 4 >= Number(length[1]));
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(raw: Buffer): Parsed {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) throw new Error(`not an HTTP/1.1 answer: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, body: raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).toString('utf8') };
}

/** A request as a client would send it, with a small JSON body for the methods that carry one. */
function requestBytes(method: string, target: string, opts: { version?: string; extraHeaders?: string } = {}): string {
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : '';
  const bodyHeaders = body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '';
  return `${method} ${target} ${opts.version ?? 'HTTP/1.1'}\r\n${HEADERS}${bodyHeaders}${opts.extraHeaders ?? ''}\r\n${body}`;
}

/**
 * The rules of every error answer: the expected 4xx (or any 4xx), JSON, a problem body whose request_id is
 * the X-Request-Id header, no HTML. HEAD has no body: its status and Content-Type say it all.
 */
function expectJsonProblem(what: string, method: string, raw: RawAnswer, expected?: { status?: number; code?: string; message?: RegExp }): Parsed {
  expect({ what, timedOut: raw.timedOut }).toEqual({ what, timedOut: false });
  const res = parse(raw.bytes);
  const summary = { what, status: res.status, contentType: res.headers['content-type'] };
  expect(summary).toEqual({ what, status: expected?.status ?? expect.any(Number), contentType: expect.stringMatching(/^application\/json/) });
  expect({ what, fourXX: res.status >= 400 && res.status < 500 }).toEqual({ what, fourXX: true });
  expect(res.body).not.toMatch(/<html|<body|<center>/i);
  if (method === 'HEAD') {
    expect({ what, body: res.body }).toEqual({ what, body: '' });
    return res;
  }
  const problem = JSON.parse(res.body) as Record<string, unknown>;
  expect({ what, problem }).toEqual({
    what,
    problem: expect.objectContaining({
      status: res.status,
      code: expected?.code ?? expect.any(String),
      message: expected?.message ? expect.stringMatching(expected.message) : expect.any(String),
      request_id: res.headers['x-request-id'],
    }),
  });
  expect(res.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  return res;
}

/** Runs the requests a few at a time: one connection each, nginx closes it after the answer. */
async function sweep<T>(cases: T[], run: (c: T) => Promise<void>, concurrency = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) await run(cases[next++] as T);
    }),
  );
}

const everyPrefixAndMethod = PREFIXES.flatMap((prefix) => METHODS.map((method) => ({ prefix, method })));

describe('gateway: malformed paths nginx refuses', () => {
  const PERCENT = /invalid percent-encoding/;
  const NUL = /encoded NUL/;
  const GENERIC = /could not read the request/;
  // [path after the prefix, expected status, expected message]
  const PATHS: [string, number, RegExp][] = [
    ['/%ZZ', 400, PERCENT],
    ['/%ZZ/itens/1', 400, PERCENT],
    ['/1/itens/%Z1', 400, PERCENT],
    ['/%2', 400, PERCENT],
    ['/%', 400, PERCENT],
    ['/%00', 400, NUL],
    ['/%00/itens/1', 400, NUL],
    ['/x%00.json', 400, NUL],
    ['/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 400, GENERIC],
    ['/../../../../../etc/passwd', 400, GENERIC],
    ['/a b', 400, GENERIC],
    ['/a\tb', 400, GENERIC],
    ['/a\x01b', 400, GENERIC],
    ['/a\x7fb', 400, GENERIC],
    [`/${'a'.repeat(9000)}`, 414, /longer than the gateway limit/],
  ];
  const cases = everyPrefixAndMethod.flatMap(({ prefix, method }) => PATHS.map(([path, status, message]) => ({ prefix, method, path, status, message })));

  it(`when any of ${PATHS.length} malformed paths is sent under every /api/ prefix with every method, then each answer is a 4xx JSON problem naming the fault`, async () => {
    await sweep(cases, async ({ prefix, method, path, status, message }) => {
      const raw = await send(requestBytes(method, prefix + path));
      expectJsonProblem(`${method} ${JSON.stringify(prefix + path.slice(0, 40))}`, method, raw, { status, message });
    });
  });

  it('when a path has %ZZ or %00, then the gateway answers 400 JSON where it used to answer an HTML 500', async () => {
    for (const target of ['/api/v1/produtos/%ZZ', '/api/v1/pedidos/%00', '/api/v1/carrinhos/%ZZ/itens/1']) {
      const res = expectJsonProblem(target, 'GET', await send(requestBytes('GET', target)), { status: 400, code: 'bad_request' });
      expect(JSON.parse(res.body).message).toMatch(target.includes('%00') ? NUL : PERCENT);
    }
  });

  it('when the bad percent escape is in the query string only, then nginx passes it on and the service answers', async () => {
    const raw = await send(requestBytes('GET', '/api/v1/categorias?x=%ZZ'));
    const res = parse(raw.bytes);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('gateway: malformed request lines', () => {
  // [what, the request line (METHOD and PATH stand for each method and prefix), expected status, code]
  const LINES: [string, (method: string, prefix: string) => string, number, string][] = [
    ['HTTP/9.1', (m, p) => requestBytes(m, p, { version: 'HTTP/9.1' }), 400, 'http_version_not_supported'],
    ['HTTP/2.0 in HTTP/1 syntax', (m, p) => requestBytes(m, p, { version: 'HTTP/2.0' }), 400, 'http_version_not_supported'],
    ['not HTTP', (m, p) => requestBytes(m, p, { version: 'HTTX/1.1' }), 400, 'bad_request'],
    ['a version of letters', (m, p) => requestBytes(m, p, { version: 'HTTP/one' }), 400, 'bad_request'],
    ['bare CR ending the request line', (m, p) => `${m} ${p} HTTP/1.1\r${HEADERS}\r\n`, 400, 'bad_request'],
    ['bare CR inside the request line', (m, p) => `${m} ${p}\rx HTTP/1.1\r\n${HEADERS}\r\n`, 400, 'bad_request'],
    ['bare CR ending a header line', (m, p) => `${m} ${p} HTTP/1.1\r\nHost: x\rX-A: b\r\nConnection: close\r\n\r\n`, 400, 'bad_request'],
    ['a lowercase method', (m, p) => requestBytes(m.toLowerCase(), p), 400, 'bad_request'],
    ['a method with a digit', (m, p) => requestBytes(`${m}1`, p), 400, 'bad_request'],
    ['a path without its leading /', (m, p) => requestBytes(m, p.slice(1)), 400, 'bad_request'],
    ['two spaces and an extra word', (m, p) => `${m} ${p} HTTP/1.1 extra\r\n${HEADERS}\r\n`, 400, 'bad_request'],
    ['HTTP/1.1 without Host', (m, p) => `${m} ${p} HTTP/1.1\r\nConnection: close\r\n\r\n`, 400, 'bad_request'],
    ['two Host headers', (m, p) => `${m} ${p} HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n`, 400, 'bad_request'],
    ['a Host with a slash', (m, p) => `${m} ${p} HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n`, 400, 'bad_request'],
    ['a NUL in a header value', (m, p) => requestBytes(m, p, { extraHeaders: 'X-A: a\0b\r\n' }), 400, 'bad_request'],
    ['a Content-Length that is not a number', (m, p) => `${m} ${p} HTTP/1.1\r\n${HEADERS}Content-Length: abc\r\n\r\n`, 400, 'bad_request'],
    ['Content-Length with chunked', (m, p) => `${m} ${p} HTTP/1.1\r\n${HEADERS}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request'],
    ['a Transfer-Encoding other than chunked', (m, p) => `${m} ${p} HTTP/1.1\r\n${HEADERS}Transfer-Encoding: gzip\r\n\r\n`, 400, 'transfer_encoding_not_supported'],
    ['a header line over 8 KiB', (m, p) => requestBytes(m, p, { extraHeaders: `X-Big: ${'b'.repeat(9000)}\r\n` }), 431, 'request_header_too_large'],
    [
      'headers over 32 KiB in all',
      (m, p) => requestBytes(m, p, { extraHeaders: Array.from({ length: 6 }, (_, i) => `X-H${i}: ${'c'.repeat(7000)}\r\n`).join('') }),
      431,
      'request_header_too_large',
    ],
    ['a declared body over the limit', (m, p) => `${m} ${p} HTTP/1.1\r\n${HEADERS}Content-Length: ${t.gateway.bodyLimitBytes + 1}\r\n\r\n`, 413, 'payload_too_large'],
  ];
  const cases = everyPrefixAndMethod.flatMap(({ prefix, method }) => LINES.map(([what, bytes, status, code]) => ({ prefix, method, what, bytes, status, code })));

  it(`when any of ${LINES.length} malformed request lines or headers is sent for every /api/ prefix and method, then each answer is the 4xx JSON problem for it`, async () => {
    await sweep(cases, async ({ prefix, method, what, bytes, status, code }) => {
      const sent = bytes(method, `${prefix}/1`);
      // The method as sent: a lowercase "head" is not HEAD, and its answer has a body.
      const sentMethod = sent.slice(0, sent.indexOf(' '));
      expectJsonProblem(`${method} ${prefix}: ${what}`, sentMethod, await send(sent), { status, code });
    });
  });

  it('when the method is TRACE, then the gateway refuses it with 405 JSON', async () => {
    for (const prefix of PREFIXES) {
      expectJsonProblem(`TRACE ${prefix}`, 'TRACE', await send(requestBytes('TRACE', prefix)), { status: 405, code: 'method_not_allowed' });
    }
  });

  it('when a declared body is over the limit, then the 413 names the limit in bytes', async () => {
    const raw = await send(`POST /api/v1/pedidos HTTP/1.1\r\n${HEADERS}Content-Type: application/json\r\nContent-Length: 99999999\r\n\r\n`);
    const res = expectJsonProblem('POST 99999999 bytes', 'POST', raw, { status: 413, code: 'payload_too_large' });
    expect(JSON.parse(res.body).message).toContain(String(t.gateway.bodyLimitBytes));
  });
});

describe('gateway: paths nginx passes on and the services refuse', () => {
  // Well-formed for nginx (valid hex escapes), nonsense for the services: invalid UTF-8, control characters.
  const PATHS = ['/%C0%80', '/%FF', '/%FF/itens/1', '/%0A', '/%7F', '/%20', `/${'9'.repeat(400)}`];
  const cases = everyPrefixAndMethod.filter(({ method }) => method !== 'OPTIONS').flatMap(({ prefix, method }) => PATHS.map((path) => ({ prefix, method, path })));

  it('when a service gets a path it cannot use, with every method but OPTIONS, then its answer is a 4xx JSON problem too', async () => {
    await sweep(cases, async ({ prefix, method, path }) => {
      const raw = await send(requestBytes(method, prefix + path));
      expectJsonProblem(`${method} ${prefix}${path.slice(0, 40)}`, method, raw);
    });
  });

  it('when OPTIONS names such a path, then the answer is never HTML nor a 5xx: a 4xx JSON problem or the Allow list of the route it matched', async () => {
    await sweep(
      PREFIXES.flatMap((prefix) => PATHS.map((path) => prefix + path)),
      async (target) => {
        const raw = await send(requestBytes('OPTIONS', target));
        const res = parse(raw.bytes);
        expect(res.body).not.toMatch(/<html|<body|<center>/i);
        if (res.status >= 400) {
          expectJsonProblem(`OPTIONS ${target}`, 'OPTIONS', raw);
        } else {
          // Express answers OPTIONS on a route it has with the route's methods: not an error, so not a problem body.
          expect({ target, status: res.status, allow: res.headers.allow }).toEqual({ target, status: 200, allow: expect.stringMatching(/^[A-Z]+(, [A-Z]+)*$/) });
        }
      },
    );
  });
});

describe('gateway: what is not HTTP/1.x', () => {
  it('when the bytes are a TLS ClientHello or binary garbage ending in a blank line, then nginx answers 400 JSON', async () => {
    const clientHello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), Buffer.alloc(32, 7), Buffer.from('\r\n\r\n')]);
    const garbage = Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]);
    for (const [what, bytes] of [
      ['TLS ClientHello', clientHello],
      ['binary garbage', garbage],
      ['PRI * HTTP/2.0 (HTTP/2 prior knowledge)', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ] as const) {
      expectJsonProblem(what, 'GET', await send(bytes), { status: 400 });
    }
  });

  it('when a request line has no version (HTTP/0.9), then nginx answers the JSON body alone: HTTP/0.9 has no status line or headers', async () => {
    for (const prefix of PREFIXES) {
      const raw = await send(`GET ${prefix}/%ZZ\r\n`);
      expect(raw.timedOut).toBe(false);
      const body = raw.bytes.toString('utf8');
      expect(body).not.toMatch(/^HTTP\//);
      expect(JSON.parse(body)).toEqual({ status: 400, code: 'bad_request', message: expect.stringMatching(/invalid percent-encoding/), request_id: expect.any(String) });
    }
  });

  it('when a client sends part of a request line and closes its side, then nginx closes without a byte (there is no one to answer)', async () => {
    const raw = await send('GET /api/v1/produtos/%ZZ HTT', { endAfterWrite: true, timeoutMs: 5000 });
    expect(raw).toEqual({ bytes: Buffer.alloc(0), timedOut: false });
  });

  it('when a client sends only blank lines, then nginx keeps waiting for a request line and answers nothing (until client_header_timeout closes it)', async () => {
    const raw = await send('\r\n\r\n\r\n', { timeoutMs: 1500 });
    expect(raw).toEqual({ bytes: Buffer.alloc(0), timedOut: true });
  });
});
