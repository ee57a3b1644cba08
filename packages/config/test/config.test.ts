import { z } from 'zod';
import { DEFAULT_ADMIN_TOKEN } from '@brigadeiro/topology';
import { baseConfigSchema, ConfigError, isLoopback, parseConfig } from '../src';

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

  it('when the gateway is published beyond loopback with the default admin token, then the service refuses to start naming ADMIN_TOKEN', () => {
    const publicado = { ...good, ADMIN_TOKEN: DEFAULT_ADMIN_TOKEN, PUBLISH_HOST: '0.0.0.0' };
    expect(() => parseConfig(schema, publicado)).toThrow(ConfigError);
    expect(() => parseConfig(schema, publicado)).toThrow(/ADMIN_TOKEN \(set\): is the public default while the gateway is published on 0\.0\.0\.0/);
    // The default is fine on loopback (the native stack, and compose unless told otherwise); any other token anywhere.
    expect(parseConfig(schema, { ...good, ADMIN_TOKEN: DEFAULT_ADMIN_TOKEN }).PUBLISH_HOST).toBe('127.0.0.1');
    expect(parseConfig(schema, { ...good, ADMIN_TOKEN: DEFAULT_ADMIN_TOKEN, PUBLISH_HOST: '127.0.0.1' }).ADMIN_TOKEN).toBe(DEFAULT_ADMIN_TOKEN);
    expect(parseConfig(schema, { ...good, PUBLISH_HOST: '192.168.0.10' }).PUBLISH_HOST).toBe('192.168.0.10');
  });

  it('when an address is asked about, then only 127.0.0.0/8, ::1 and localhost are loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.0.10', '::', '128.0.0.1', '127.0.0.1.nip.io'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});
