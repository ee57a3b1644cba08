/**
 * The cart store: Redis, shared by every carrinho instance (which is why any instance serves any cart).
 *
 * Data model: one hash per cart, key `carrinho:{id}` (id = crypto.randomUUID(), 122 random bits):
 *   criado_em   creation time, epoch ms (always present: it is what makes an empty cart exist)
 *   q:<pid>     quantity of product <pid> in the cart (integer >= 1)
 *   p:<pid>     JSON snapshot of the product when it was added:
 *               {"v":true,"nome":"Brigadeiro","c":290}  verified by catalogo (c = price in cents)
 *               {"v":false}                             catalogo unreachable: accepted unverified
 * so a cart with n items has 1 + 2n fields. The key's TTL is the cart's life: CART_TTL_SECONDS,
 * set again by EVERY change.
 *
 * Why Lua: every mutation is one script (ioredis defineCommand -> EVALSHA), so the existence check, the
 * limits (max quantity per product, max distinct products), the write and the PEXPIRE happen atomically
 * on the Redis server. Two instances adding the same product at once both HINCRBY inside the script;
 * neither can read a stale quantity, so no update is lost and the cap is never overshot. Each script
 * returns the cart as it is after its change (plus its PTTL), so a response needs one round trip.
 *
 * Why operation ids: a command in flight when Redis restarts may have run with its reply lost. RedisHold
 * sends it again on the new connection, so the changes that are not idempotent (add, remove, delete) carry
 * a random id: their script records the first outcome under `carrinho-op:<id>` (60 s) and a resend gets that
 * outcome and the cart as it is, not a second increment (or a 404 for an item or cart it already removed).
 */
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { RedisHold } from './redis-hold';

export const cartKey = (id: string): string => `carrinho:${id}`;
const opKey = (): string => `carrinho-op:${randomUUID()}`;
/** How long a change's outcome is remembered for a resend: far longer than any hold. */
const OP_TTL_MS = 60_000;

/** The product as the cart remembers it. */
export type ProdutoSnapshot = { verificado: true; nome: string; centavos: number } | { verificado: false };

export interface ItemGuardado {
  produtoId: number;
  quantidade: number;
  produto: ProdutoSnapshot;
}

export interface CarrinhoGuardado {
  id: string;
  itens: ItemGuardado[];
  /** Milliseconds the cart has left (its key's PTTL). */
  ttlMs: number;
}

/** Outcome of a change: the cart after it, or why nothing was written. */
export type Mudanca =
  | { ok: true; carrinho: CarrinhoGuardado; itemNovo: boolean }
  | { ok: false; motivo: 'carrinho_inexistente' }
  | { ok: false; motivo: 'item_inexistente' }
  | { ok: false; motivo: 'quantidade_maxima'; atual: number }
  | { ok: false; motivo: 'carrinho_cheio'; itens: number };

// Shared tail of every script: the cart as a flat reply {status, pttl, field1, value1, ...}.
const VIEW = `
local function view(status)
  local reply = {status, redis.call('PTTL', KEYS[1])}
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all do reply[#reply + 1] = all[i] end
  return reply
end
-- KEYS[2]: this change's operation key. A resend of a change that already ran answers as the first time did.
local function remembered() return redis.call('GET', KEYS[2]) end
local function remember(status)
  redis.call('SET', KEYS[2], status, 'PX', ${OP_TTL_MS})
  return status
end
`;

const SCRIPTS = {
  // ARGV: now (epoch ms), ttl ms
  carrinhoCriar: `${VIEW}
redis.call('HSET', KEYS[1], 'criado_em', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return view('ok')`,
  carrinhoVer: `${VIEW}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'carrinho_inexistente'} end
return view('ok')`,
  // ARGV: produto id, quantity to add, max quantity, max items, ttl ms, snapshot JSON, snapshot verified ('1'|'0')
  carrinhoAdicionar: `${VIEW}
local feito = remembered()
if feito then return view(feito) end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'carrinho_inexistente'} end
local qf, pf = 'q:' .. ARGV[1], 'p:' .. ARGV[1]
local atual = tonumber(redis.call('HGET', KEYS[1], qf) or '0')
if atual == 0 then
  local itens = (redis.call('HLEN', KEYS[1]) - 1) / 2
  if itens >= tonumber(ARGV[4]) then return {'carrinho_cheio', tostring(itens)} end
end
if atual + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return {'quantidade_maxima', tostring(atual)} end
redis.call('HINCRBY', KEYS[1], qf, ARGV[2])
-- a fresh verified snapshot always wins (latest name and price); an unverified one never hides a verified one
if ARGV[7] == '1' or atual == 0 then redis.call('HSET', KEYS[1], pf, ARGV[6]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if atual == 0 then return view(remember('item_novo')) end
return view(remember('ok'))`,
  // ARGV: produto id, new quantity, ttl ms
  carrinhoDefinir: `${VIEW}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'carrinho_inexistente'} end
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return {'item_inexistente'} end
redis.call('HSET', KEYS[1], 'q:' .. ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return view('ok')`,
  // ARGV: produto id, ttl ms
  // Removing an item the cart does not hold is the cart as it is, not an error: nginx may re-send a
  // timed-out DELETE to another instance after the first removal went through. Nothing changed, so the TTL
  // is left alone (as for a read).
  carrinhoRemover: `${VIEW}
if remembered() then return view('ok') end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'carrinho_inexistente'} end
if redis.call('HEXISTS', KEYS[1], 'q:' .. ARGV[1]) == 0 then return view('ok') end
redis.call('HDEL', KEYS[1], 'q:' .. ARGV[1], 'p:' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return view(remember('ok'))`,
  // no ARGV; replies 1 when this change deleted the cart, 0 when there was none
  carrinhoApagar: `${VIEW}
if remembered() then return 1 end
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
remember('ok')
return 1`,
} as const;

/** The scripts that take an operation key as KEYS[2]. */
const WITH_OP_KEY: ReadonlySet<string> = new Set(['carrinhoAdicionar', 'carrinhoRemover', 'carrinhoApagar']);

type ScriptName = keyof typeof SCRIPTS;
type Reply = (string | number)[];
type WithScripts = Redis & Record<ScriptName, (key: string, ...args: (string | number)[]) => Promise<Reply>>;

export interface CarrinhoRepositoryOptions {
  ttlSeconds: number;
  maxItems: number;
  maxQuantity: number;
  /** How long a command waits for a lost connection to come back before the 503 (see RedisHold). */
  holdMs: number;
}

export class CarrinhoRepository {
  private readonly redis: WithScripts;
  private readonly ttlMs: number;
  private readonly hold: RedisHold;

  constructor(
    redis: Redis,
    private readonly opts: CarrinhoRepositoryOptions,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: WITH_OP_KEY.has(name) ? 2 : 1, lua });
    }
    this.redis = redis as WithScripts;
    this.ttlMs = opts.ttlSeconds * 1000;
    this.hold = new RedisHold(redis, opts.holdMs);
  }

  criar(id: string): Promise<CarrinhoGuardado> {
    return this.run(async () => parseCarrinho(id, await this.redis.carrinhoCriar(cartKey(id), Date.now(), this.ttlMs)));
  }

  /** The cart, or undefined when it does not exist (never created, deleted or expired). Reading does not refresh the TTL. */
  ver(id: string): Promise<CarrinhoGuardado | undefined> {
    return this.run(async () => {
      const reply = await this.redis.carrinhoVer(cartKey(id));
      return reply[0] === 'ok' ? parseCarrinho(id, reply) : undefined;
    });
  }

  existe(id: string): Promise<boolean> {
    return this.run(async () => (await this.redis.exists(cartKey(id))) === 1);
  }

  /** Adds `quantidade` (HINCRBY semantics), refusing a sum above the max or a new product past the item limit. */
  adicionar(id: string, produtoId: number, quantidade: number, produto: ProdutoSnapshot): Promise<Mudanca> {
    const snapshot = produto.verificado ? { v: true, nome: produto.nome, c: produto.centavos } : { v: false };
    const op = opKey(); // one id for every send of this change
    return this.change(id, () =>
      this.redis.carrinhoAdicionar(
        cartKey(id),
        op,
        produtoId,
        quantidade,
        this.opts.maxQuantity,
        this.opts.maxItems,
        this.ttlMs,
        JSON.stringify(snapshot),
        produto.verificado ? '1' : '0',
      ),
    );
  }

  definir(id: string, produtoId: number, quantidade: number): Promise<Mudanca> {
    return this.change(id, () => this.redis.carrinhoDefinir(cartKey(id), produtoId, quantidade, this.ttlMs));
  }

  /** Idempotent: a product not in the cart leaves it as it is (ok, TTL untouched); only a missing cart is refused. */
  remover(id: string, produtoId: number): Promise<Mudanca> {
    const op = opKey();
    return this.change(id, () => this.redis.carrinhoRemover(cartKey(id), op, produtoId, this.ttlMs));
  }

  /** True when a cart was deleted, false when there was none. */
  apagar(id: string): Promise<boolean> {
    const op = opKey();
    return this.run(async () => Number(await this.redis.carrinhoApagar(cartKey(id), op)) === 1);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  private change(id: string, call: () => Promise<Reply>): Promise<Mudanca> {
    return this.run(async () => {
      const reply = await call();
      const status = String(reply[0]);
      switch (status) {
        case 'ok':
        case 'item_novo':
          return { ok: true, carrinho: parseCarrinho(id, reply), itemNovo: status === 'item_novo' };
        case 'carrinho_inexistente':
        case 'item_inexistente':
          return { ok: false, motivo: status };
        case 'quantidade_maxima':
          return { ok: false, motivo: status, atual: Number(reply[1]) };
        case 'carrinho_cheio':
          return { ok: false, motivo: status, itens: Number(reply[1]) };
        default:
          throw new Error(`unexpected cart script reply "${status}"`);
      }
    });
  }

  /**
   * Redis being down is a dependency failure: a 503 with Retry-After, never a 500. A restart is ridden
   * through first: `fn` waits for the reconnect (and is sent again if the connection dropped under it)
   * for at most holdMs from the outage's start.
   */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.hold.run(fn);
    } catch (err) {
      if (err instanceof Error && /unexpected cart script reply/.test(err.message)) throw err;
      throw new ServiceUnavailableError('the cart store (redis) is unavailable', 1, { cause: err instanceof Error ? err.message : String(err) });
    }
  }
}

function parseCarrinho(id: string, reply: Reply): CarrinhoGuardado {
  const ttlMs = Number(reply[1]);
  const quantities = new Map<number, number>();
  const snapshots = new Map<number, ProdutoSnapshot>();
  for (let i = 2; i + 1 < reply.length; i += 2) {
    const field = String(reply[i]);
    const value = String(reply[i + 1]);
    if (field.startsWith('q:')) quantities.set(Number(field.slice(2)), Number(value));
    else if (field.startsWith('p:')) snapshots.set(Number(field.slice(2)), parseSnapshot(value));
  }
  const itens = [...quantities.entries()]
    .sort(([a], [b]) => a - b)
    .map(([produtoId, quantidade]) => ({ produtoId, quantidade, produto: snapshots.get(produtoId) ?? { verificado: false as const } }));
  return { id, itens, ttlMs };
}

function parseSnapshot(json: string): ProdutoSnapshot {
  try {
    const s = JSON.parse(json) as { v?: unknown; nome?: unknown; c?: unknown };
    if (s.v === true && typeof s.nome === 'string' && typeof s.c === 'number') return { verificado: true, nome: s.nome, centavos: s.c };
  } catch {
    // a damaged snapshot reads as unverified rather than breaking the whole cart
  }
  return { verificado: false };
}
