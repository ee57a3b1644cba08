// Applies postgrator migrations; run as a child process by runMigrations() in ./index.ts.
// postgrator 8 is an ES module, which jest's CommonJS module system cannot load (not even through
// createRequire); a plain `node` child loads it everywhere (tsx, jest, node) the same way.
// Input: JSON on stdin, [{ url, dir, applicationName }]. Output: JSON on stdout, one entry per job.
import pg from 'pg';
import Postgrator from 'postgrator';
import path from 'node:path';

const LOCK_KEY = 7_041_970; // advisory lock: two migrators on one database take turns

async function migrateOne({ url, dir, applicationName }) {
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    const postgrator = new Postgrator({
      migrationPattern: path.join(dir, '*').split(path.sep).join('/'),
      driver: 'pg',
      schemaTable: 'schemaversion',
      execQuery: (query) => client.query(query),
    });
    // postgrator records a version in a statement of its own after each script; one transaction around the
    // whole run makes "schema changed" and "version recorded" one fact (PostgreSQL DDL is transactional).
    // So a migration must not use statements that refuse a transaction (CREATE INDEX CONCURRENTLY...).
    await client.query('BEGIN');
    try {
      await client.query("SET LOCAL lock_timeout = '10s'");
      const before = await postgrator.getDatabaseVersion();
      const applied = await postgrator.migrate();
      const after = await postgrator.getDatabaseVersion();
      await client.query('COMMIT');
      return { before, after, applied: applied.map((m) => path.basename(m.filename)) };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const results = [];
try {
  for (const job of JSON.parse(input)) results.push(await migrateOne(job));
  process.stdout.write(JSON.stringify({ ok: true, results }));
} catch (err) {
  // postgrator attaches the migrations applied before the failure to err.appliedMigrations
  process.stdout.write(JSON.stringify({
    ok: false, results,
    error: { message: err?.message ?? String(err), code: err?.code, applied: (err?.appliedMigrations ?? []).map((m) => path.basename(m.filename)) },
  }));
  process.exitCode = 1;
}
