import net from 'node:net';
import { closedPort, novoPedidoId } from '../src';

describe('testing helpers', () => {
  it('when many order ids are made, then they are distinct safe integers', () => {
    const ids = Array.from({ length: 500 }, () => novoPedidoId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });

  it('when a closed port is dialled, then the connection is refused', async () => {
    const port = await closedPort();
    const code = await new Promise<string | undefined>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    expect(code).toBe('ECONNREFUSED');
  });
});
