/** The operator command's words: faults, combinations, reset/status and clear refusals. */
import { describeFaults, parseChaosArgs } from '../src';

describe('parseChaosArgs', () => {
  it.each([
    [['pagamentos', 'latency=800ms'], { latencia_ms: 800, taxa_erro: 0, travar: false }],
    [['estoque', 'latency=2s'], { latencia_ms: 2000, taxa_erro: 0, travar: false }],
    [['fiscal', 'errors=30%'], { latencia_ms: 0, taxa_erro: 0.3, travar: false }],
    [['fiscal', 'errors=0.25'], { latencia_ms: 0, taxa_erro: 0.25, travar: false }],
    [['logistica', 'hang'], { latencia_ms: 0, taxa_erro: 0, travar: true }],
    [['pagamentos', 'latency=200ms', 'errors=10%'], { latencia_ms: 200, taxa_erro: 0.1, travar: false }],
  ])('when the words are %j, then the settings are %j', (argv, settings) => {
    expect(parseChaosArgs(argv)).toEqual({ service: argv[0], action: 'set', settings });
  });

  it('when the words are reset, status or nothing, then those actions are chosen', () => {
    expect(parseChaosArgs(['pagamentos', 'reset'])).toEqual({ service: 'pagamentos', action: 'reset' });
    expect(parseChaosArgs(['pagamentos', 'status'])).toEqual({ service: 'pagamentos', action: 'status' });
    expect(parseChaosArgs(['pagamentos'])).toEqual({ service: 'pagamentos', action: 'status' });
  });

  it.each([
    [[], /which service/],
    [['carrinho', 'hang'], /unknown service "carrinho"/],
    [['pagamentos', 'latency=fast'], /latency=fast/],
    [['pagamentos', 'latency=61s'], /latency=61s/],
    [['pagamentos', 'errors=150%'], /errors=150%/],
    [['pagamentos', 'explode'], /unknown fault "explode"/],
    [['pagamentos', 'hang', 'reset'], /"reset" cannot be combined/],
    [['pagamentos', 'errors=1%', 'errors=2%'], /given twice/],
  ])('when the words are %j, then it refuses naming the problem', (argv, message) => {
    expect(() => parseChaosArgs(argv)).toThrow(message);
  });

  it('when faults are described, then the line says what is on', () => {
    expect(describeFaults('fiscal', { latencia_ms: 0, taxa_erro: 0, travar: false })).toBe('fiscal: normal, no faults injected');
    expect(describeFaults('fiscal', { latencia_ms: 800, taxa_erro: 0.3, travar: true, requisicoes_retidas: 2 })).toBe(
      'fiscal: latency 800 ms, errors 30%, hang ON (2 requests held)',
    );
  });
});
