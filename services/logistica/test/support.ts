import net from 'node:net';

/** A loopback port nobody listens on (it was free a moment ago): a database that is "down". */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

let seq = 0;
/**
 * An order id no other test uses, even in parallel jest workers: time (ms, modulo 1e9) x 1e6 + pid x 1e3 +
 * a counter, well inside MAX_SAFE_INTEGER.
 */
export function novoPedidoId(): number {
  seq = (seq + 1) % 1000;
  return (Date.now() % 1e9) * 1e6 + (process.pid % 1000) * 1000 + seq;
}
