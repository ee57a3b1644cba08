/**
 * Configuration: one zod schema per service, parsed once at start. Every bad or missing variable is
 * named in one clear message, and the process refuses to start rather than run half-configured.
 * `process.env` is read here (and in main.ts callers passing it in) only.
 */
import { z } from 'zod';
import { DEFAULT_ADMIN_TOKEN } from '@brigadeiro/topology';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Variables every service understands. Defaults suit a local run; the orchestrator sets them all. */
export const baseConfigSchema = z.object({
  SERVICE_NAME: z.string().min(1),
  INSTANCE_ID: z.string().min(1).optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Bearer token for admin-only routes (catalogue writes, fault injection). */
  ADMIN_TOKEN: z.string().min(8, 'must be at least 8 characters'),
  /** Where the gateway is published (packages/topology publishHost): beyond loopback, ADMIN_TOKEN may not be the default. */
  PUBLISH_HOST: z.string().min(1).default('127.0.0.1'),
  /** How long SIGTERM waits for in-flight requests before forcing the exit. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Largest JSON body accepted, in bytes (nginx enforces its own limit in front). */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(64 * 1024),
});

/** A PostgreSQL connection string (postgres:// or postgresql://). */
export const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string');
/** The base URL of another service (http or https). */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// URL' });
/** Connections in a database pool: 1..100, default 10. */
export const databasePoolMax = z.coerce.number().int().min(1).max(100).default(10);

/** Parses `env` with `schema`; throws a ConfigError naming each offending variable and rule. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) {
    const refused = defaultTokenPublished(result.data);
    if (refused) throwConfig([refused]);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    const shown = value === undefined ? 'missing' : /TOKEN|PASSWORD|SECRET|URL/i.test(name) ? 'set' : JSON.stringify(value);
    return `${name} (${shown}): ${issue.message}`;
  });
  throwConfig(problems);
}

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The lab's default admin token is public (it is in the README): acceptable while the gateway answers on
 * loopback only, a hole once it is published on a real interface. Names the variable to set instead.
 */
function defaultTokenPublished(config: unknown): string | undefined {
  const c = config as { ADMIN_TOKEN?: unknown; PUBLISH_HOST?: unknown };
  if (c.ADMIN_TOKEN !== DEFAULT_ADMIN_TOKEN || typeof c.PUBLISH_HOST !== 'string' || isLoopback(c.PUBLISH_HOST)) return undefined;
  return `ADMIN_TOKEN (set): is the public default while the gateway is published on ${c.PUBLISH_HOST}; set BRIGADEIRO_ADMIN_TOKEN to a secret of your own (\`npm run compose -- env\` writes a random one to .env)`;
}

function throwConfig(problems: string[]): never {
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
}
