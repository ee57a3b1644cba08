/**
 * Baseline: an Express 5 app answering every GET with `res.json()` of the catalogue (parsed once from
 * BODY_FILE, serialised per request, as a service that keeps the list in memory would). No middleware:
 * this is the floor every real service sits on. Started as a child process on HOST:PORT.
 */
import fs from 'node:fs';
import express from 'express';

const catalogue: unknown = JSON.parse(fs.readFileSync(process.env.BODY_FILE as string, 'utf8'));
const app = express();
app.disable('x-powered-by');
app.get('/{*path}', (_req, res) => {
  res.json(catalogue);
});
const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
