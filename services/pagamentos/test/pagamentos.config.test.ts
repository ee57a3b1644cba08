/** pagamentos' simulation settings: the default profile, the seed's profile, overrides and bad values. */
import { ConfigError } from '@brigadeiro/config';
import { loadTopology, serviceEnv } from '@brigadeiro/topology';
import { loadConfig } from '../src/config';
import { autorizadorSimulado } from '../src/domain/pagamentos';

const env = serviceEnv(loadTopology(), 'pagamentos');

describe('pagamentos config', () => {
  it('when nothing is set, then authorisation is instant and always approved', () => {
    expect(loadConfig(env).simulacao).toEqual({ latenciaMinMs: 0, latenciaMaxMs: 0, taxaAprovacao: 1 });
  });

  it('when PAGAMENTOS_PERFIL=seed, then the seed 500-1500 ms and 90% approval apply', () => {
    expect(loadConfig({ ...env, PAGAMENTOS_PERFIL: 'seed' }).simulacao).toEqual({ latenciaMinMs: 500, latenciaMaxMs: 1500, taxaAprovacao: 0.9 });
  });

  it('when a variable is set with a profile, then the variable wins', () => {
    const c = loadConfig({ ...env, PAGAMENTOS_PERFIL: 'seed', PAGAMENTOS_TAXA_APROVACAO: '0.5', PAGAMENTOS_LATENCIA_MIN_MS: '10', PAGAMENTOS_LATENCIA_MAX_MS: '20' });
    expect(c.simulacao).toEqual({ latenciaMinMs: 10, latenciaMaxMs: 20, taxaAprovacao: 0.5 });
  });

  it.each([
    [{ PAGAMENTOS_TAXA_APROVACAO: '1.5' }, /PAGAMENTOS_TAXA_APROVACAO/],
    [{ PAGAMENTOS_PERFIL: 'lento' }, /PAGAMENTOS_PERFIL/],
    [{ PAGAMENTOS_LATENCIA_MIN_MS: '100', PAGAMENTOS_LATENCIA_MAX_MS: '50' }, /PAGAMENTOS_LATENCIA_MAX_MS/],
  ])('when %j, then loading fails naming the variable', (extra, name) => {
    expect(() => loadConfig({ ...env, ...extra })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, ...extra })).toThrow(name);
  });

  it('when the simulated authoriser draws, then it waits within MIN..MAX and approves below the rate', async () => {
    const waits: number[] = [];
    const draws = [0.5, 0.89, 1, 0.95];
    const a = autorizadorSimulado({ latenciaMinMs: 500, latenciaMaxMs: 1500, taxaAprovacao: 0.9 }, () => draws.shift() ?? 0, async (ms) => {
      waits.push(ms);
    });
    const pedido = { pedido_id: 1, valor: '1.00', metodo: 'pix' as const };
    expect(await a.decidir(pedido)).toEqual({ aprovado: true });
    expect((await a.decidir(pedido)).aprovado).toBe(false);
    expect(waits).toEqual([1000, 1500]);
  });
});
