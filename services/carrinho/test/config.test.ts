import { ConfigError } from '@brigadeiro/config';
import { loadTopology, serviceEnv } from '@brigadeiro/topology';
import { loadConfig } from '../src/config';

describe('carrinho config', () => {
  it('when given exactly what the orchestrator sets, then it parses with the documented defaults', () => {
    const config = loadConfig(serviceEnv(loadTopology({}), 'carrinho', 2, {}));
    expect(config).toMatchObject({
      SERVICE_NAME: 'carrinho',
      INSTANCE_ID: 'carrinho-2',
      CART_TTL_SECONDS: 86_400,
      CART_MAX_ITEMS: 50,
      ITEM_MAX_QUANTITY: 99,
      CATALOGO_TIMEOUT_MS: 800,
      CATALOGO_BREAKER_VOLUME_THRESHOLD: 5,
      CATALOGO_BREAKER_ERROR_PERCENT: 50,
      CATALOGO_BREAKER_RESET_MS: 5000,
      CATALOGO_BREAKER_WINDOW_MS: 10_000,
    });
  });

  it('when variables are missing or bad, then one ConfigError names each of them', () => {
    const env = { ...serviceEnv(loadTopology({}), 'carrinho', 1, {}), CART_TTL_SECONDS: '0', CATALOGO_TIMEOUT_MS: 'fast' } as Record<string, string | undefined>;
    delete env.REDIS_URL;
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/REDIS_URL \(missing\)/);
    expect(problems).toMatch(/CART_TTL_SECONDS \("0"\)/);
    expect(problems).toMatch(/CATALOGO_TIMEOUT_MS \("fast"\)/);
  });
});
