import { Writable } from 'node:stream';
import { createLogger, currentRequestId, runWithContext } from '../src';

describe('request context', () => {
  it('when code runs inside a request context, then async work still sees its request id', async () => {
    const seen = await runWithContext({ requestId: 'req-1' }, async () => {
      await new Promise((r) => setImmediate(r));
      return currentRequestId();
    });
    expect(seen).toBe('req-1');
    expect(currentRequestId()).toBeUndefined();
  });

  it('when a line is logged inside a request, then it carries request_id and the service name', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = createLogger({ service: 'catalogo', instance: 'catalogo-1', destination: sink });
    runWithContext({ requestId: 'abc' }, () => logger.info('hello'));
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ msg: 'hello', request_id: 'abc', service: 'catalogo', instance: 'catalogo-1', level: 'info' });
    logger.info('outside');
    expect(JSON.parse(lines[1]!).request_id).toBeUndefined();
  });
});
