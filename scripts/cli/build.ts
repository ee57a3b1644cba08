/**
 * `npm run build`: generates each service's Prisma client and bundles each service into
 * services/<name>/dist/main.js (what the stack runs with `node`).
 *
 * - Prisma: `prisma generate --schema services/<name>/prisma/schema.prisma`, offline: the CLI wants to
 *   download its schema engine at start, which this machine cannot; generate does not use the engine, so
 *   PRISMA_SCHEMA_ENGINE_BINARY points at /bin/true. Skipped when the schema is unchanged since the last
 *   generate (a hash stamp in the generated folder).
 * - esbuild: the @brigadeiro/* workspace packages are TypeScript source ("main": "src/index.ts"), so they
 *   are bundled in; every third-party package of the root package.json stays external (resolved from
 *   node_modules at run time: native parts, wasm and dynamic requires keep working).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '@brigadeiro/topology';
import { parse, runCli } from './args';

const SERVICES_DIR = path.join(REPO_ROOT, 'services');
const PRISMA_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
const STAMP = '.brigadeiro-schema-hash';

function serviceDirs(): string[] {
  return fs
    .readdirSync(SERVICES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function externals(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter((n) => !n.startsWith('@brigadeiro/'));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => resolve({ code: 127, output: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Generates one service's Prisma client unless its schema (and the Prisma version) did not change. */
async function prismaGenerate(service: string): Promise<'generated' | 'unchanged' | 'none'> {
  const schema = path.join(SERVICES_DIR, service, 'prisma', 'schema.prisma');
  if (!fs.existsSync(schema)) return 'none';
  const text = fs.readFileSync(schema, 'utf8');
  const output = /^\s*output\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const outDir = output ? path.resolve(path.dirname(schema), output) : undefined;
  const prismaVersion = fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'prisma', 'package.json'), 'utf8');
  const hash = crypto.createHash('sha256').update(text).update(prismaVersion).digest('hex');
  const stamp = outDir ? path.join(outDir, STAMP) : undefined;
  if (stamp && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return 'unchanged';
  const r = await run(PRISMA_BIN, ['generate', '--schema', schema], { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' });
  if (r.code !== 0) throw new Error(`prisma generate --schema ${path.relative(REPO_ROOT, schema)} failed:\n${r.output.trim()}`);
  if (stamp && outDir && fs.existsSync(outDir)) fs.writeFileSync(stamp, hash);
  return 'generated';
}

async function bundle(service: string, external: string[]): Promise<boolean> {
  const entry = path.join(SERVICES_DIR, service, 'src', 'main.ts');
  if (!fs.existsSync(entry)) {
    process.stderr.write(`build: warning: services/${service}/src/main.ts does not exist yet: ${service} not bundled\n`);
    return false;
  }
  await build({
    entryPoints: [entry],
    outfile: path.join(SERVICES_DIR, service, 'dist', 'main.js'),
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    bundle: true,
    sourcemap: true,
    external,
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
  });
  return true;
}

const USAGE = 'usage: build.ts (no options: generates the Prisma clients and bundles every service)';

async function main(argv: string[]): Promise<number> {
  parse(argv, {}); // takes nothing: `npm run build -- --watch` is an error, not a plain build
  const t0 = Date.now();
  const services = serviceDirs();
  // Clients first: the bundles import the generated code.
  const generated = await Promise.all(services.map(prismaGenerate));
  const external = externals();
  const bundled = await Promise.all(services.map((s) => bundle(s, external)));
  const n = generated.filter((g) => g === 'generated').length;
  process.stderr.write(
    `build: ${bundled.filter(Boolean).length}/${services.length} services bundled` +
      (n ? `, ${n} Prisma clients generated` : '') +
      ` (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
  return 0;
}

runCli('build', USAGE, main, (e) => `failed: ${e instanceof Error ? e.message : String(e)}`);
