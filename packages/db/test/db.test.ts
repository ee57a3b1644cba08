import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import { loadTopology, superuserUrl } from '@brigadeiro/topology';
import { createPgPool, pgPoolConfig, isRetryableDbError, sqlState, runMigrations } from '../src';

describe('createPgPool', () => {
  test('when no options are given, then the pool fails fast and keeps connections alive', async () => {
    const config = pgPoolConfig('postgresql://u:p@127.0.0.1:1/db');
    expect(config).toMatchObject({ max: 10, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 2_000, keepAlive: true, application_name: 'brigadeiro' });
    const pool = createPgPool('postgresql://u:p@127.0.0.1:1/db', { max: 3, applicationName: 'teste' });
    expect(pool.options.max).toBe(3);
    expect(pool.listenerCount('error')).toBe(1);
    // an idle client's error is handled by the listener instead of crashing the process
    expect(() => pool.emit('error', new Error('idle client died'), undefined as never)).not.toThrow();
    await pool.end();
  });

  test('when the server refuses the connection, then the error is retryable', async () => {
    const pool = createPgPool('postgresql://u:p@127.0.0.1:1/db');
    const err = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeDefined();
    expect(isRetryableDbError(err)).toBe(true);
    await pool.end();
  });

  test('when maxLifetimeSeconds is set and the pool is kept busy (real PostgreSQL), then its connection is replaced once that old', async () => {
    expect(pgPoolConfig('postgresql://u:p@127.0.0.1:1/db')).not.toHaveProperty('maxLifetimeSeconds');
    const pool = createPgPool(superuserUrl(loadTopology()), { max: 1, maxLifetimeSeconds: 1 });
    try {
      // One query every 20 ms: the connection is never idle long enough for the idle timeout.
      const pids = new Set<number>();
      const end = Date.now() + 2_500;
      while (Date.now() < end) {
        pids.add((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(pids.size).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.end();
    }
  });
});

describe('isRetryableDbError', () => {
  const prismaWrapped = (cause: object, code = 'P2010') => ({ name: 'PrismaClientKnownRequestError', code, meta: { driverAdapterError: { name: 'DriverAdapterError', cause } } });

  test.each(['25006', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08004'])('when pg reports SQLSTATE %s, then it is retryable', (code) => {
    expect(isRetryableDbError(Object.assign(new Error('x'), { code, severity: 'ERROR' }))).toBe(true);
  });

  test.each(['ECONNREFUSED', 'ECONNRESET'])('when the socket fails with %s, then it is retryable', (code) => {
    expect(isRetryableDbError(Object.assign(new Error('connect'), { code }))).toBe(true);
    expect(isRetryableDbError(new AggregateError([Object.assign(new Error('connect'), { code })]))).toBe(true);
  });

  test('when Prisma wraps a refused connection or a read-only primary, then it is retryable', () => {
    expect(isRetryableDbError(prismaWrapped({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }, 'P1001'))).toBe(true);
    expect(isRetryableDbError(prismaWrapped({ kind: 'DatabaseNotReachable' }, 'P2039'))).toBe(true);
    expect(isRetryableDbError(prismaWrapped({ kind: 'ConnectionClosed' }))).toBe(true);
    expect(isRetryableDbError(prismaWrapped({ kind: 'postgres', code: '25006', originalCode: '25006' }, 'P2039'))).toBe(true);
    expect(isRetryableDbError(prismaWrapped({ kind: 'postgres', code: '57P01', originalCode: '57P01' }))).toBe(true);
    expect(isRetryableDbError({ name: 'PrismaClientInitializationError', message: "Can't reach database server at 127.0.0.1:5440" })).toBe(true);
  });

  test('when the error is the caller\'s or the data\'s, then it is not retryable', () => {
    expect(isRetryableDbError(Object.assign(new Error('check'), { code: '23514' }))).toBe(false);
    expect(isRetryableDbError(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isRetryableDbError(prismaWrapped({ kind: 'postgres', code: '23514', originalCode: '23514' }, 'P2039'))).toBe(false);
    expect(isRetryableDbError(prismaWrapped({ kind: 'UniqueConstraintViolation' }, 'P2002'))).toBe(false);
    expect(isRetryableDbError(new Error('boom'))).toBe(false);
    expect(isRetryableDbError(undefined)).toBe(false);
    expect(isRetryableDbError('ECONNREFUSED')).toBe(false);
  });
});

describe('sqlState', () => {
  test('when the error comes from pg or from Prisma with the pg adapter, then the SQLSTATE is found', () => {
    expect(sqlState({ code: '23514' })).toBe('23514');
    expect(sqlState({ code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '23514' } } } })).toBe('23514');
    expect(sqlState({ code: 'P2002', meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } } })).toBe('23505');
    expect(sqlState(new Error('nothing'))).toBeUndefined();
  });
});

describe('runMigrations (real PostgreSQL)', () => {
  const t = loadTopology();
  const dbName = `brig_migtest_${process.pid}_${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brig-migrations-'));
  const admin = new Client({ connectionString: superuserUrl(t) });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    fs.writeFileSync(path.join(dir, '001.do.coisas.sql'), 'CREATE TABLE coisas (id serial PRIMARY KEY, nome text NOT NULL);');
    fs.writeFileSync(path.join(dir, '002.do.mais-coisas.sql'), "INSERT INTO coisas (nome) VALUES ('a'), ('b');");
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('when run twice, then the first applies every file and the second nothing', async () => {
    const url = superuserUrl(t, t.ports.pgRw, dbName);
    const first = await runMigrations(url, dir);
    expect(first).toEqual({ before: 0, after: 2, applied: ['001.do.coisas.sql', '002.do.mais-coisas.sql'] });
    const second = await runMigrations(url, dir);
    expect(second).toEqual({ before: 2, after: 2, applied: [] });
  });

  test('when a migration fails, then nothing of that run stays and the error names the folder', async () => {
    const url = superuserUrl(t, t.ports.pgRw, dbName);
    fs.writeFileSync(path.join(dir, '003.do.boa.sql'), 'CREATE TABLE boa (id int);');
    fs.writeFileSync(path.join(dir, '004.do.quebrada.sql'), 'CREATE TABLE quebrada (id int REFERENCES nao_existe (id));');
    await expect(runMigrations(url, dir)).rejects.toThrow(new RegExp(`migration of ${dir}.*nao_existe`));
    const c = new Client({ connectionString: url });
    await c.connect();
    const tables = await c.query("SELECT to_regclass('boa') AS boa, (SELECT max(version) FROM schemaversion) AS v");
    await c.end();
    expect(tables.rows[0]).toEqual({ boa: null, v: '2' });
    fs.rmSync(path.join(dir, '003.do.boa.sql'));
    fs.rmSync(path.join(dir, '004.do.quebrada.sql'));
  });
});
