/**
 * services/<svc>/prisma/schema.prisma describes exactly the tables its SQL migrations create: same tables,
 * same columns, same nullability, compatible types. Catches a migration changed without its Prisma schema
 * (or the reverse) before a query fails at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { DB_SERVICES, REPO_ROOT, loadTopology, databaseUrl } from '@brigadeiro/topology';
import { bootstrapDatabases, migrateAll } from '../scripts/db';

const t = loadTopology();

beforeAll(async () => {
  await bootstrapDatabases(t);
  await migrateAll(t);
}, 60_000);

const PG_TYPES: Record<string, string[]> = {
  Int: ['integer'],
  BigInt: ['bigint'],
  String: ['text', 'character', 'uuid'],
  Decimal: ['numeric'],
  DateTime: ['timestamp with time zone'],
  Boolean: ['boolean'],
  Json: ['jsonb'],
};

interface Column { table: string; column: string; nullable: boolean; type: string }

/** The scalar columns a schema.prisma declares (relation fields have no column of their own). */
function prismaColumns(schema: string): Column[] {
  const columns: Column[] = [];
  for (const [, model, body] of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? model!;
    for (const line of body!.split('\n')) {
      const m = /^\s*(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!m || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, name, type, modifier, rest] = m;
      if (!(type! in PG_TYPES) || modifier === '[]') continue;
      columns.push({ table, column: /@map\("([^"]+)"\)/.exec(rest!)?.[1] ?? name!, nullable: modifier === '?', type: type! });
    }
  }
  return columns;
}

describe.each(DB_SERVICES)('%s schema.prisma', (svc) => {
  test('when compared with the migrated database, then tables, columns, nullability and types match', async () => {
    const declared = prismaColumns(fs.readFileSync(path.join(REPO_ROOT, 'services', svc, 'prisma', 'schema.prisma'), 'utf8'));
    const c = new Client({ connectionString: databaseUrl(t, svc) });
    await c.connect();
    const { rows } = await c.query<{ table_name: string; column_name: string; is_nullable: string; data_type: string }>(
      "SELECT table_name, column_name, is_nullable, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schemaversion'",
    );
    await c.end();
    const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    expect(declared.map((d) => `${d.table}.${d.column}`).sort()).toEqual([...actual.keys()].sort());
    for (const d of declared) {
      const a = actual.get(`${d.table}.${d.column}`)!;
      expect({ col: `${d.table}.${d.column}`, nullable: a.is_nullable === 'YES', typeOk: PG_TYPES[d.type]!.includes(a.data_type) })
        .toEqual({ col: `${d.table}.${d.column}`, nullable: d.nullable, typeOk: true });
    }
  });
});
