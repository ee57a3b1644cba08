/**
 * Renders the gateway's nginx.conf from the topology (the one source of ports and instances).
 * MINIMAL FIRST VERSION: the gateway work (routes, JSON errors, rate limit, micro-cache) extends this file.
 */
import { Topology, HOST, carrinhoPort, servicePort } from '@brigadeiro/topology';

export interface NginxPaths {
  /** Folder nginx may write to: temp files, cache, logs. */
  prefix: string;
  pidFile: string;
  accessLog: string;
  errorLog: string;
}

export function renderNginxConf(t: Topology, p: NginxPaths): string {
  const carrinho = Array.from({ length: t.carrinhoInstances }, (_, i) => `    server ${HOST}:${carrinhoPort(t, i + 1)};`).join('\n');
  return `worker_processes 1;
pid ${p.pidFile};
error_log ${p.errorLog} warn;
events { worker_connections 4096; }
http {
  access_log ${p.accessLog};
  client_body_temp_path ${p.prefix}/client_body;
  proxy_temp_path ${p.prefix}/proxy;
  fastcgi_temp_path ${p.prefix}/fastcgi;
  uwsgi_temp_path ${p.prefix}/uwsgi;
  scgi_temp_path ${p.prefix}/scgi;
  upstream catalogo { server ${HOST}:${servicePort(t, 'catalogo')}; keepalive 32; }
  upstream carrinho {
${carrinho}
    keepalive 32;
  }
  upstream pedidos { server ${HOST}:${servicePort(t, 'pedidos')}; keepalive 32; }
  server {
    listen ${HOST}:${t.ports.gateway};
    location /api/v1/produtos { proxy_pass http://catalogo; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /api/v1/categorias { proxy_pass http://catalogo; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /api/v1/carrinhos { proxy_pass http://carrinho; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /api/v1/pedidos { proxy_pass http://pedidos; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}
