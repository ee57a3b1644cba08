import { ConfigError } from '@brigadeiro/config';
import { exitOnStartFailure, loadConfigOrExit, shutdownOnSignal, type ProcessLike } from '../src';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function fakeProcess() {
  const written: string[] = [];
  const exits: number[] = [];
  const proc: ProcessLike = {
    exit: (code: number): never => {
      exits.push(code);
      throw new Exited(code);
    },
    stderr: { write: (text: string) => written.push(text) },
  };
  return { proc, written, exits };
}

describe('main.ts lifecycle helpers', () => {
  it('when the config loads, then loadConfigOrExit returns it and writes nothing', () => {
    const { proc, written, exits } = fakeProcess();
    expect(loadConfigOrExit('svc', () => ({ PORT: 1 }), proc)).toEqual({ PORT: 1 });
    expect(written).toEqual([]);
    expect(exits).toEqual([]);
  });

  it('when the config is invalid, then loadConfigOrExit writes the service and the message and exits 1', () => {
    const { proc, written, exits } = fakeProcess();
    const load = () => {
      throw new ConfigError('invalid configuration: PORT (missing)', ['PORT (missing)']);
    };
    expect(() => loadConfigOrExit('svc', load, proc)).toThrow(Exited);
    expect(written).toEqual(['svc: invalid configuration: PORT (missing)\n']);
    expect(exits).toEqual([1]);
  });

  it('when loading fails with something other than a ConfigError, then it propagates and nothing exits', () => {
    const { proc, exits } = fakeProcess();
    expect(() => loadConfigOrExit('svc', () => { throw new TypeError('bug'); }, proc)).toThrow(TypeError);
    expect(exits).toEqual([]);
  });

  it('when the start fails, then exitOnStartFailure writes one line naming the service and exits 1', () => {
    const { proc, written, exits } = fakeProcess();
    expect(() => exitOnStartFailure('svc', proc)(new Error('listen EADDRINUSE'))).toThrow(Exited);
    expect(written).toEqual(['svc: failed to start: listen EADDRINUSE\n']);
    expect(exits).toEqual([1]);
  });

  it('when a signal arrives, then beforeDrain runs, the server shuts down with the signal as reason and the process exits 0', async () => {
    const exits: number[] = [];
    const calls: string[] = [];
    let drained!: () => void;
    const done = new Promise<void>((r) => (drained = r));
    const server = {
      shutdown: async (reason: string) => {
        calls.push(`shutdown ${reason}`);
      },
    };
    const onSignal = shutdownOnSignal(server, { timeoutMs: 60_000, beforeDrain: () => calls.push('beforeDrain') }, {
      exit: (code: number): never => {
        exits.push(code);
        drained();
        return undefined as never;
      },
    });
    onSignal('SIGTERM');
    await done;
    expect(calls).toEqual(['beforeDrain', 'shutdown SIGTERM']);
    expect(exits).toEqual([0]);
  });

  it('when the shutdown hangs past timeoutMs + graceMs, then the process is forced out with 1', async () => {
    jest.useFakeTimers();
    try {
      const exits: number[] = [];
      const onSignal = shutdownOnSignal({ shutdown: () => new Promise<void>(() => {}) }, { timeoutMs: 100, graceMs: 50 }, {
        exit: (code: number): never => {
          exits.push(code);
          return undefined as never;
        },
      });
      onSignal('SIGINT');
      jest.advanceTimersByTime(149);
      expect(exits).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(exits).toEqual([1]);
    } finally {
      jest.useRealTimers();
    }
  });
});
