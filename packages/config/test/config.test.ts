import { z } from 'zod';
import { baseConfigSchema, ConfigError, parseConfig } from '../src';

const schema = baseConfigSchema.extend({ DATABASE_URL: z.url() });
const good = { SERVICE_NAME: 'x', PORT: '3000', ADMIN_TOKEN: 'secret-token', DATABASE_URL: 'postgresql://a@b/c' };

describe('parseConfig', () => {
  it('when every variable is valid, then it returns typed values with defaults filled', () => {
    const c = parseConfig(schema, good);
    expect(c.PORT).toBe(3000);
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.HOST).toBe('127.0.0.1');
  });

  it('when variables are missing or malformed, then one error names each of them without leaking secrets', () => {
    let err: unknown;
    try {
      parseConfig(schema, { ...good, PORT: 'eighty', ADMIN_TOKEN: 'short', DATABASE_URL: undefined });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT \("eighty"\)/);
    expect(problems).toMatch(/ADMIN_TOKEN \(set\): must be at least 8 characters/);
    expect(problems).toMatch(/DATABASE_URL \(missing\)/);
    expect(problems).not.toContain('short');
  });
});
