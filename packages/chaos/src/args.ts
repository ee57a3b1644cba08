/**
 * The operator command's words (`npm run chaos -- <service> latency=800ms errors=30% hang | reset | status`)
 * turned into a request on /admin/falhas. Kept apart from the CLI so it can be tested without a stack.
 */
import type { FaultSettings } from './index';

export const CHAOS_SERVICES = ['pagamentos', 'estoque', 'fiscal', 'logistica'] as const;
export type ChaosService = (typeof CHAOS_SERVICES)[number];

export type ChaosCommand =
  | { service: ChaosService; action: 'status' }
  | { service: ChaosService; action: 'reset' }
  | { service: ChaosService; action: 'set'; settings: FaultSettings };

export const CHAOS_USAGE = `usage: npm run chaos -- <service> <fault>... | reset | status
  service      ${CHAOS_SERVICES.join(' | ')}
  latency=T    add T to every request: 800ms, 2s or plain milliseconds (0..60000 ms)
  errors=P     answer P of the requests with 503: 30% or 0.3
  hang         hold every request without an answer until reset
  reset        back to normal (held requests are answered 503)
  status       show the current faults (the default)
Faults combine (latency=200ms errors=10%); each command sets exactly the faults it names, the others go back to 0.
Only the service's /internal routes are affected; /health, /ready and /metrics keep answering.
examples: npm run chaos -- pagamentos latency=800ms
          npm run chaos -- estoque errors=30%
          npm run chaos -- fiscal hang
          npm run chaos -- fiscal reset`;

export class ChaosUsageError extends Error {}

function parseLatency(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) throw new ChaosUsageError(`latency=${raw}: expected a duration from 0 to 60000 ms, e.g. 800ms or 2s`);
  return ms;
}

function parseErrors(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(raw.trim());
  const rate = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new ChaosUsageError(`errors=${raw}: expected a share from 0% to 100% (or 0 to 1), e.g. 30%`);
  return rate;
}

/** Parses argv (after the tool name); throws ChaosUsageError with a message naming the bad word. */
export function parseChaosArgs(argv: string[]): ChaosCommand {
  const [service, ...words] = argv;
  if (!service) throw new ChaosUsageError('which service? name one');
  if (!(CHAOS_SERVICES as readonly string[]).includes(service)) {
    throw new ChaosUsageError(`unknown service "${service}": fault injection exists on ${CHAOS_SERVICES.join(', ')}`);
  }
  const svc = service as ChaosService;
  if (words.length === 0 || (words.length === 1 && words[0] === 'status')) return { service: svc, action: 'status' };
  if (words.length === 1 && words[0] === 'reset') return { service: svc, action: 'reset' };
  const settings: FaultSettings = { latencia_ms: 0, taxa_erro: 0, travar: false };
  const seen = new Set<string>();
  for (const word of words) {
    const [key, value] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (seen.has(key)) throw new ChaosUsageError(`"${key}" given twice`);
    seen.add(key);
    if (key === 'latency' && value !== undefined) settings.latencia_ms = parseLatency(value);
    else if (key === 'errors' && value !== undefined) settings.taxa_erro = parseErrors(value);
    else if (key === 'hang' && value === undefined) settings.travar = true;
    else if (key === 'reset' || key === 'status') throw new ChaosUsageError(`"${key}" cannot be combined with other words`);
    else throw new ChaosUsageError(`unknown fault "${word}"`);
  }
  return { service: svc, action: 'set', settings };
}

/** One line a person can read: "pagamentos: latency 800 ms, errors 30%, hang off (0 requests held)". */
export function describeFaults(service: string, f: FaultSettings & { requisicoes_retidas?: number }): string {
  const normal = f.latencia_ms === 0 && f.taxa_erro === 0 && !f.travar;
  const held = f.requisicoes_retidas ? ` (${f.requisicoes_retidas} requests held)` : '';
  if (normal) return `${service}: normal, no faults injected${held}`;
  const rate = Math.round(f.taxa_erro * 1000) / 10;
  return `${service}: latency ${f.latencia_ms} ms, errors ${rate}%, hang ${f.travar ? 'ON' : 'off'}${held}`;
}
