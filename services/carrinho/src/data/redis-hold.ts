/**
 * Rides a cart command through a short Redis outage (a restart: about a second) instead of failing it.
 *
 * A command waits until the connection is ready again, but never past a deadline: `holdMs` after the
 * outage began (or after the request arrived, when Redis is up). So a restart costs a pause, not an error,
 * while a Redis that stays down gets a fast 503 once the outage is older than the hold: nothing piles up.
 *
 * ioredis' own offline queue is not used: a command queued there still reaches Redis after its caller gave
 * up, so a 503 could be followed by the change being applied. Here a command is only written to a ready
 * connection, and one that was in flight when the connection dropped is sent again (the mutating scripts
 * are idempotent per operation id, see carrinho-repository.ts), with the client built on RIDE_THROUGH_OPTIONS.
 */
import type { Redis, RedisOptions } from 'ioredis';

/**
 * The client options RedisHold relies on (main.ts and the tests use these): no offline queue, a command in
 * flight when the connection drops fails at once (maxRetriesPerRequest 0) instead of being resent by
 * ioredis behind its caller's back, and reconnect attempts 50 ms apart at first, never more than 200 ms,
 * so a restarted Redis is found within 0.2 s.
 */
export const RIDE_THROUGH_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt) => Math.min(50 * attempt, 200),
  connectTimeout: 2000,
};

/** Redis could not be reached, or did not answer, before the deadline: the repository turns it into a 503. */
export class RedisUnavailable extends Error {}

export class RedisHold {
  /** When the current outage began; undefined while connected. */
  private downSince: number | undefined;
  private reconnected: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly holdMs: number,
  ) {
    if (redis.status !== 'ready') this.downSince = Date.now();
    redis.on('close', () => (this.downSince ??= Date.now()));
    redis.on('ready', () => (this.downSince = undefined));
  }

  /**
   * Runs `command` on a ready connection, again after a reconnect when the connection was lost under it,
   * until the deadline. Any other error (a Redis error reply, the caller's own) is passed on as it is.
   */
  async run<T>(command: () => Promise<T>): Promise<T> {
    const deadline = (this.downSince ?? Date.now()) + this.holdMs;
    for (;;) {
      await this.ready(deadline);
      try {
        return await withDeadline(command(), deadline);
      } catch (err) {
        if (err instanceof RedisUnavailable || !isConnectionLoss(err)) throw err;
        if (Date.now() >= deadline) throw new RedisUnavailable(errorMessage(err));
        // The connection dropped under the command (or closed just before it was written): wait for the next one.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private ready(deadline: number): Promise<void> {
    const { redis } = this;
    if (redis.status === 'ready') return Promise.resolve();
    if (redis.status === 'end') return Promise.reject(new RedisUnavailable('the Redis client gave up reconnecting'));
    if (redis.status === 'wait') redis.connect().catch(() => undefined); // lazyConnect: the first command connects
    return withDeadline(this.nextReady(), deadline, `Redis not reachable within ${this.holdMs} ms`);
  }

  /** One promise per outage shared by every waiting command (one listener pair, however many wait). */
  private nextReady(): Promise<void> {
    this.reconnected ??= new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.redis.off('ready', onReady);
        this.redis.off('end', onEnd);
        this.reconnected = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => settle();
      const onEnd = () => settle(new RedisUnavailable('the Redis client gave up reconnecting'));
      this.redis.on('ready', onReady);
      this.redis.on('end', onEnd);
    });
    return this.reconnected;
  }
}

/** Fails `p` at the deadline: a connection that does not come back in time, or one that hangs under a written command. */
function withDeadline<T>(p: Promise<T>, deadline: number, message = 'Redis did not answer in time'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailable(message)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const LOST = new Set(['Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false"]);
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);

/** ioredis' ways of saying the connection went away: before the command was written, or with it in flight. */
function isConnectionLoss(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || LOST.has(err.message) || LOST_CODES.has((err as NodeJS.ErrnoException).code ?? '');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
