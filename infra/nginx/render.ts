/**
 * Renders the gateway's nginx.conf from the topology (the one source of ports, instances and gateway limits).
 *
 * What the gateway does (ARCHITECTURE.md, "Public API"):
 * - routes /api/v1/produtos and /api/v1/categorias to catalogo, /api/v1/carrinhos to every carrinho
 *   instance, /api/v1/pedidos to pedidos; everything else (services' /internal, /metrics, /health, /admin)
 *   is a 404 JSON body. The gateway's own GET /health answers 200.
 * - keeps keep-alive connections to the upstreams (HTTP/1.1, no "Connection: close").
 * - carrinho: passive health checks (max_fails/fail_timeout) and the retry of a failed attempt on another
 *   instance. nginx never re-sends a non-idempotent request (POST, PATCH) once it reached an upstream, and
 *   we keep that default: only a refused connection sends a POST elsewhere.
 * - X-Request-Id: a well-formed incoming id is kept, otherwise nginx's $request_id; it goes upstream and
 *   comes back on every response.
 * - every answer nginx makes itself (NGINX_ERRORS: a malformed request line or path, headers too large, a
 *   body over the limit, the rate limit, an unreachable upstream...) is a JSON body shaped like packages/errors'
 *   problemBody ({status, code, message, request_id}), never nginx's HTML page; the services' own JSON errors
 *   pass through untouched (no proxy_intercept_errors). The one exception is HTTP/0.9 (a request line with
 *   no version): nginx answers it with the bare body and no status line or headers, as that protocol has none.
 * - a per-client rate limit (429 + Retry-After) and a request body limit (413), both from t.gateway.
 * - catalogue GETs are micro-cached for 1 s and served stale while catalogo is down or failing;
 *   `Cache-Control: no-cache` (or `Pragma: no-cache`) on the request bypasses the cache: catalogo answers,
 *   and that answer is not written to the cache (storing it cost every uncached request a temp file, a
 *   write and a rename; the next cached GET refreshes the copy within the same 1 s anyway).
 * - the access log is buffered (64 KiB, flushed every second) and cache hits reuse open file descriptors
 *   (open_file_cache, revalidated every second; a replaced cache file is a new inode, never served stale):
 *   a hit costs no log write and no open/fstat/close of its own.
 *
 * The orchestrator (scripts/stack/nginx.ts) writes the result to the state folder and runs
 * `nginx -t` then `nginx -c <conf> -p <prefix>/ -g 'daemon off; user root;'` (user root when it runs as
 * root, so the workers can write the temp and cache folders under p.prefix). This file sets neither
 * `daemon` nor `user` for that reason.
 *
 * With `t.network` (the Docker Compose network, infra/compose) the upstreams are compose service names
 * re-resolved through Docker's DNS (`resolver`, `server <name>:<port> resolve`, nginx >= 1.27.3): carrinho is
 * ONE server line that stands for every replica `docker compose up --scale carrinho=N` starts, and a changed
 * scale or a restarted container with a new address is picked up within 5 s. Without a network the output
 * is the native one, unchanged.
 */
import { Topology, DEFAULT_GATEWAY, bindHost, carrinhoPort, hostForPort, servicePort } from '@brigadeiro/topology';

export interface NginxPaths {
  /** Folder nginx may write to: temp files, cache, logs. */
  prefix: string;
  pidFile: string;
  accessLog: string;
  errorLog: string;
}

type Upstream = 'catalogo' | 'carrinho' | 'pedidos';

/** Tuning the tests need; the orchestrator passes none and gets the defaults. */
export interface RenderOptions {
  /**
   * How long nginx waits for an upstream's answer, in seconds. Defaults: pedidos 15 (the checkout calls
   * four services, each with its own timeout), catalogo and carrinho 5.
   */
  readTimeoutSeconds?: Partial<Record<Upstream, number>>;
}

const DEFAULT_READ_TIMEOUT: Record<Upstream, number> = { catalogo: 5, carrinho: 5, pedidos: 15 };

/**
 * The statuses nginx itself may produce, with the problem code and message each JSON body carries. `from`
 * lists nginx's own statuses answered with this one: 494 is nginx's internal code for headers too large
 * (it would send a 400), and a bad HTTP version (505) or an unknown Transfer-Encoding (501) is the caller's
 * malformed request, not a server failure, so it is a 400.
 */
const NGINX_ERRORS: { status: number; code: string; message: string; from?: number[]; retryAfter?: boolean }[] = [
  // The message is a variable ($bad_request_message, below): it names the fault nginx can tell from the request line.
  { status: 400, code: 'bad_request', message: '$bad_request_message' },
  {
    status: 400,
    code: 'http_version_not_supported',
    message: 'the request line names an HTTP version the gateway does not serve: use HTTP/1.0 or HTTP/1.1',
    from: [505],
  },
  {
    status: 400,
    code: 'transfer_encoding_not_supported',
    message: 'the request has a Transfer-Encoding other than chunked, which the gateway does not accept',
    from: [501],
  },
  { status: 404, code: 'not_found', message: 'no such route: the public API lives under /api/v1 (produtos, categorias, carrinhos, pedidos)' },
  { status: 405, code: 'method_not_allowed', message: 'the gateway does not accept this method (TRACE is refused)' },
  { status: 408, code: 'request_timeout', message: 'the request body did not arrive in time' },
  { status: 411, code: 'length_required', message: 'the request has a body without a Content-Length or chunked Transfer-Encoding' },
  { status: 413, code: 'payload_too_large', message: 'the request body is larger than the gateway limit of %LIMIT% bytes' },
  { status: 414, code: 'uri_too_long', message: 'the request line is longer than the gateway limit of %LINE_LIMIT% bytes' },
  {
    status: 431,
    code: 'request_header_too_large',
    message: 'a request header line is longer than %LINE_LIMIT% bytes or all of them exceed %HEADER_LIMIT% bytes',
    from: [494],
  },
  { status: 429, code: 'rate_limited', message: 'too many requests from this client; retry after 1 second', retryAfter: true },
  { status: 500, code: 'internal_error', message: 'the gateway failed to handle the request; quote the request_id when reporting it' },
  { status: 502, code: 'bad_gateway', message: 'the service behind the gateway is unreachable', retryAfter: true },
  { status: 503, code: 'service_unavailable', message: 'the service behind the gateway is unavailable', retryAfter: true },
  { status: 504, code: 'gateway_timeout', message: 'the service behind the gateway did not answer in time', retryAfter: true },
];

/**
 * large_client_header_buffers: a request line or one header line longer than one buffer is a 414 / 431, and
 * all header lines together may take the buffers (nginx's defaults, written out so the messages can quote them).
 */
const HEADER_BUFFERS = { count: 4, bytes: 8 * 1024 };

/**
 * What the generic 400 message says, chosen from the request line ($request: the path is not parsed yet when
 * nginx refuses it, so $request_uri is empty), from its path only (a query string is the service's business).
 * nginx rejects a path with a NUL or malformed percent escape while it decodes it, so these two are certain;
 * anything else nginx refused gets the message that lists the usual faults.
 */
const BAD_REQUEST_MESSAGES: [regex: string, message: string][] = [
  ['^\\S+ [^? ]*%00', 'the request path contains an encoded NUL byte (%00)'],
  ['^\\S+ [^? ]*%(?![0-9A-Fa-f]{2})', 'the request path has an invalid percent-encoding: % must be followed by two hexadecimal digits'],
];
const BAD_REQUEST_DEFAULT =
  'the gateway could not read the request: the request line or a header is malformed (unknown method, a path not starting with / or climbing above it with .., a space or control character, bad header syntax)';

/** The internal URI each JSON error answer lives at (error_page redirects there). */
const errorUri = (code: string) => `/_gateway/errors/${code}`;

/** Indents every line of a block by `n` spaces (keeps the generated file readable). */
function indent(block: string, n: number): string {
  const pad = ' '.repeat(n);
  return block
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

function errorLocations(bodyLimitBytes: number): string {
  return NGINX_ERRORS.map((e) => {
    const message = e.message
      .replace('%LIMIT%', String(bodyLimitBytes))
      .replace(/%LINE_LIMIT%/g, String(HEADER_BUFFERS.bytes))
      .replace('%HEADER_LIMIT%', String(HEADER_BUFFERS.count * HEADER_BUFFERS.bytes));
    const body = JSON.stringify({ status: e.status, code: e.code, message, request_id: '__RID__' }).replace('"__RID__"', '"$req_id"');
    // An exact location outranks the API's regex locations; `internal` makes it a 404 when asked from outside.
    return `location = ${errorUri(e.code)} {
  internal;
  default_type application/json;
  add_header X-Request-Id $req_id always;
${e.retryAfter ? '  add_header Retry-After 1 always;\n' : ''}  return ${e.status} '${body}';
}`;
  }).join('\n');
}

/**
 * error_page lines. The target is a URI, never a named location: a request nginx refuses while it parses the
 * request line or the path (%ZZ, %00, garbage) has no URI yet, and a redirect to a named location keeps the
 * (empty) URI, so nginx gave up with its own HTML 500 ("empty URI in redirect to named location"). `=` takes
 * the status the error location returns.
 */
function errorPages(): string {
  return NGINX_ERRORS.map((e) => `error_page ${(e.from ?? [e.status]).join(' ')} = ${errorUri(e.code)};`).join('\n');
}

/**
 * The resources and everything below them, never a mere prefix match: /api/v1/produtosX is a 404, not a
 * request for catalogo.
 */
function routeLocation(resources: string[], body: string): string {
  return `location ~ ^/api/v1/(${resources.join('|')})(/|$) {\n${indent(body, 2)}\n}`;
}

function proxyBlock(upstream: Upstream, readTimeout: number, extra: string): string {
  return `proxy_pass http://${upstream};
proxy_read_timeout ${readTimeout}s;
proxy_send_timeout ${readTimeout}s;
${extra}`;
}

export function renderNginxConf(t: Topology, p: NginxPaths, o: RenderOptions = {}): string {
  const g = t.gateway ?? DEFAULT_GATEWAY;
  const timeout = { ...DEFAULT_READ_TIMEOUT, ...o.readTimeoutSeconds };
  const net = t.network;
  // On a network every upstream is a name Docker's DNS resolves (and re-resolves): needs a shared-memory zone.
  const resolve = net ? ' resolve' : '';
  const zone = (name: string) => (net ? `    zone upstream_${name} 64k;\n` : '');
  const upstreamServer = (port: number) => `${hostForPort(t, port)}:${port}${resolve}`;
  const carrinhoServers = net
    ? `    server ${upstreamServer(carrinhoPort(t, 1))} max_fails=2 fail_timeout=5s;`
    : Array.from({ length: t.carrinhoInstances }, (_, i) => `    server ${upstreamServer(carrinhoPort(t, i + 1))} max_fails=2 fail_timeout=5s;`).join('\n');
  const rateLimited = g.rateLimitRps > 0;

  // Non-cached routes: the service echoes the X-Request-Id we sent; when it does not (or nginx answers
  // itself), the gateway adds it. Both headers would otherwise appear on one response.
  const echoRequestId = 'add_header X-Request-Id $response_request_id always;';

  const catalogo = proxyBlock(
    'catalogo',
    timeout.catalogo,
    `proxy_cache catalogo;
proxy_cache_key "catalogo$request_uri";
proxy_cache_valid 200 1s;
proxy_cache_lock on;
proxy_cache_lock_timeout 2s;
# Off: the request that finds the copy past its second waits for catalogo's fresh answer (others meanwhile get
# the old copy, 'updating'). On, it would itself get the old copy, of any age after a quiet spell.
proxy_cache_background_update off;
proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
proxy_cache_bypass $cache_bypass;
proxy_no_cache $http_authorization $cache_bypass;
# The micro-cache is the gateway's policy, whatever the service says about caching.
proxy_ignore_headers Cache-Control Expires;
# A cached copy carries the id of the request that filled it: always answer with this request's id.
proxy_hide_header X-Request-Id;
add_header X-Request-Id $req_id always;
add_header X-Cache-Status $upstream_cache_status always;`,
  );

  const carrinho = proxyBlock(
    'carrinho',
    timeout.carrinho,
    `proxy_connect_timeout 500ms;
# A failed or refused attempt goes to the next instance. nginx does not re-send a POST/PATCH that reached
# an instance (only idempotent methods are retried after an error or a 50x).
# No http_503: carrinho answers 503 when Redis, shared by every instance, is down. Listed, each 503 would count
# toward max_fails and one Redis blip would take every healthy instance out at once (502 "no live upstreams").
proxy_next_upstream error timeout http_502 http_504;
proxy_next_upstream_tries ${Math.max(2, t.carrinhoInstances)};
proxy_next_upstream_timeout 10s;
${echoRequestId}`,
  );

  const pedidos = proxyBlock('pedidos', timeout.pedidos, `proxy_next_upstream off;\n${echoRequestId}`);

  const server = `listen ${bindHost(t)}:${t.ports.gateway} default_server;
server_name _;

proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $host;
proxy_set_header X-Request-Id $req_id;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_connect_timeout 1s;
proxy_intercept_errors off;
${rateLimited ? `limit_req zone=per_client burst=${g.rateLimitBurst} nodelay;\n` : ''}
${errorPages()}

location = /health {
  default_type application/json;
  add_header X-Request-Id $req_id always;
  return 200 '{"status":"ok","service":"gateway"}';
}

${routeLocation(['produtos', 'categorias'], catalogo)}
${routeLocation(['carrinhos'], carrinho)}
${routeLocation(['pedidos'], pedidos)}

# Everything else, the services' /internal, /metrics, /health and /admin routes included.
location / {
  return 404;
}

${errorLocations(g.bodyLimitBytes)}`;

  return `# Generated by infra/nginx/render.ts from the topology: edit that file, not this one.
worker_processes 2;
pid ${p.pidFile};
error_log ${p.errorLog} warn;
events {
  worker_connections 4096;
}
http {
  default_type application/octet-stream;
  server_tokens off;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 100000;

  client_body_temp_path ${p.prefix}/client_body;
  proxy_temp_path ${p.prefix}/proxy;
  fastcgi_temp_path ${p.prefix}/fastcgi;
  uwsgi_temp_path ${p.prefix}/uwsgi;
  scgi_temp_path ${p.prefix}/scgi;

  # A well-formed incoming id (the charset the services accept) is kept, anything else replaced.
  map $http_x_request_id $req_id {
    "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
    default $request_id;
  }
  map $upstream_http_x_request_id $response_request_id {
    "" $req_id;
    default "";
  }
  map $request $bad_request_message {
${BAD_REQUEST_MESSAGES.map(([re, msg]) => `    "~${re}" "${msg}";`).join('\n')}
    default "${BAD_REQUEST_DEFAULT}";
  }
  map "$http_cache_control$http_pragma" $cache_bypass {
    "~*no-cache|no-store" 1;
    default 0;
  }

  log_format gateway '$time_iso8601 $remote_addr "$request_method $request_uri" $status $body_bytes_sent '
                     'rid=$req_id up=$upstream_addr ust=$upstream_status ut=$upstream_response_time '
                     'rt=$request_time cache=$upstream_cache_status';
  access_log ${p.accessLog} gateway buffer=64k flush=1s;
  open_file_cache max=1000 inactive=20s;
  open_file_cache_valid 1s;

  large_client_header_buffers ${HEADER_BUFFERS.count} ${HEADER_BUFFERS.bytes / 1024}k;
  client_max_body_size ${g.bodyLimitBytes};
  client_body_buffer_size ${Math.min(g.bodyLimitBytes, 1024 * 1024)};
${rateLimited ? `  limit_req_zone $binary_remote_addr zone=per_client:10m rate=${g.rateLimitRps}r/s;\n  limit_req_status 429;\n  limit_req_log_level warn;\n` : ''}
  # inactive=10m: a copy nobody asked for in 10 minutes is dropped; until then it can be served stale.
  # nginx creates only the last folder of the path, so it sits directly in the prefix.
  proxy_cache_path ${p.prefix}/cache-catalogo levels=1:2 keys_zone=catalogo:10m max_size=256m inactive=10m use_temp_path=off;

${net ? `  # Docker's DNS: every carrinho replica, and new addresses after a restart or a changed scale, within 5 s.\n  resolver ${net.resolver} valid=5s ipv6=off;\n  resolver_timeout 2s;\n` : ''}  upstream catalogo {
${zone('catalogo')}    server ${upstreamServer(servicePort(t, 'catalogo'))};
    keepalive 64;
    keepalive_requests 100000;
    keepalive_timeout 60s;
  }
  upstream carrinho {
${zone('carrinho')}${carrinhoServers}
    keepalive 64;
    keepalive_requests 100000;
    keepalive_timeout 60s;
  }
  upstream pedidos {
${zone('pedidos')}    server ${upstreamServer(servicePort(t, 'pedidos'))};
    keepalive 32;
    keepalive_requests 100000;
    keepalive_timeout 60s;
  }

  server {
${indent(server, 4)}
  }
}
`;
}
