// openPrismaDatabase needs a real generated client: fiscal's, the smallest (npm run build generates it).
// It lives in test/ rather than packages/db/test because a package may not import a service, and a client
// of packages/db's own would mean a second Prisma schema and generate step just for this test.
import { ServiceUnavailableError } from '@brigadeiro/errors';
import { databaseUrl, loadTopology } from '@brigadeiro/topology';
import { closePrismaAndPool, createPrismaClientAndPool, openPrismaDatabase, statementName, violatedConstraint } from '@brigadeiro/db';
import { PrismaClient } from '../services/fiscal/src/generated/prisma/client';

const t = loadTopology();

describe('openPrismaDatabase', () => {
  it('when the database answers, then ping resolves and run hands the client to the work', async () => {
    const db = openPrismaDatabase(PrismaClient, databaseUrl(t, 'fiscal'), { service: 'fiscal', max: 2 });
    try {
      await expect(db.ping()).resolves.toBeUndefined();
      const [row] = await db.run((prisma) => prisma.$queryRaw<{ um: number }[]>`SELECT 1::int AS um`);
      expect(row).toEqual({ um: 1 });
    } finally {
      await db.close();
    }
  });

  it('when the database is unreachable for the whole window, then run retries and ends in a 503 with Retry-After naming the service', async () => {
    const db = openPrismaDatabase(PrismaClient, 'postgresql://u:p@127.0.0.1:1/db', { service: 'fiscal', retry: { windowMs: 2_000 } });
    let attempts = 0;
    try {
      const err = await db
        .run((prisma) => {
          attempts++;
          return prisma.$queryRaw`SELECT 1`;
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceUnavailableError);
      expect((err as ServiceUnavailableError).status).toBe(503);
      expect((err as ServiceUnavailableError).headers).toEqual({ 'Retry-After': '1' });
      expect((err as Error).message).toMatch(/the fiscal database is unavailable/);
      expect(attempts).toBeGreaterThan(1);
      await expect(db.ping()).rejects.toBeDefined();
    } finally {
      await db.close();
    }
  });

  it('when the work fails for a reason a retry cannot fix, then run rethrows it unchanged after one attempt', async () => {
    const db = openPrismaDatabase(PrismaClient, databaseUrl(t, 'fiscal'), { service: 'fiscal', max: 2 });
    let attempts = 0;
    const boom = new Error('not a database error');
    try {
      const err = await db
        .run(async () => {
          attempts++;
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(err).toBe(boom);
      expect(attempts).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('PrismaDatabase.query', () => {
  it('when a statement runs twice on one connection, then it is prepared once under its statementName and the second call only executes it', async () => {
    const db = openPrismaDatabase(PrismaClient, databaseUrl(t, 'fiscal'), { service: 'fiscal', max: 1 });
    const text = 'SELECT $1::int + 1 AS n';
    const prepared = 'SELECT name, statement FROM pg_prepared_statements ORDER BY name';
    try {
      expect(await db.query(text, [1])).toEqual([{ n: 2 }]);
      expect(await db.query(text, [41])).toEqual([{ n: 42 }]);
      // One connection (max 1): the server holds exactly one prepared copy of each text this test ran.
      const rows = await db.query<{ name: string; statement: string }>(prepared, []);
      expect(rows.filter((r) => r.statement === text)).toEqual([{ name: statementName(text), statement: text }]);
      expect(rows.map((r) => r.name)).toContain(statementName(prepared));
    } finally {
      await db.close();
    }
  });

  it('when names are given to statement texts, then each text has one stable name and different texts different names', () => {
    const a = statementName('SELECT 1');
    expect(a).toMatch(/^s_[0-9a-f]{24}$/);
    expect(statementName('SELECT 1')).toBe(a);
    expect(statementName('SELECT 2')).not.toBe(a);
  });
});

describe('violatedConstraint', () => {
  it('when only the pool under the client was used, then closePrismaAndPool still ends it (Prisma\'s $disconnect alone leaves it open)', async () => {
    const { prisma, pool } = createPrismaClientAndPool(PrismaClient, databaseUrl(t, 'fiscal'), { max: 2 });
    const { rows } = await pool.query<{ um: number }>('SELECT 1::int AS um');
    expect(rows).toEqual([{ um: 1 }]);
    expect(pool.totalCount).toBe(1);
    await closePrismaAndPool(prisma, pool);
    expect(pool.ending).toBe(true);
    expect(pool.totalCount).toBe(0);
    // A second close is harmless (a pool ended twice would throw).
    await expect(closePrismaAndPool(prisma, pool)).resolves.toBeUndefined();
  });

  it('when pg or Prisma name the violated constraint, then it is returned; otherwise undefined', () => {
    expect(violatedConstraint({ code: '23505', constraint: 'pedidos_carrinho_ativo_uidx' })).toBe('pedidos_carrinho_ativo_uidx');
    const prisma = { code: 'P2002', meta: { driverAdapterError: { cause: { originalCode: '23505', constraint: { index: 'pedidos_idempotency_key_key' } } } } };
    expect(violatedConstraint(prisma)).toBe('pedidos_idempotency_key_key');
    expect(violatedConstraint(new Error('x'))).toBeUndefined();
    expect(violatedConstraint(undefined)).toBeUndefined();
  });
});
