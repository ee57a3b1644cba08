/**
 * The seed's table (000, section 5.4: Tempo de detecção, Tempo de failover, Requisições perdidas, Downtime
 * total) plus the extra rows, as text and as JSON (same figures; the JSON also has the 100 ms timeline).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type FailoverResult, fmt } from './run';

export function reportRows(r: FailoverResult): [string, string][] {
  const ab = r.requests.ab;
  return [
    ['Tempo de detecção', `${fmt(r.detectionMs)} (${r.newLeader === r.oldLeader ? `líder: ${r.newLeader}, o mesmo nó (Patroni reiniciou o PostgreSQL)` : `novo líder: ${r.newLeader ?? 'nenhum'}`})`],
    ['Tempo de failover', `${fmt(r.failoverMs)} (HAProxy rw aceita escrita)`],
    ['Requisições perdidas', `${r.requests.failed} de ${r.requests.total}`],
    ['Downtime total', fmt(r.downtimeMs)],
    ['Primeiro checkout após a queda', fmt(r.firstCheckoutMs)],
    ['Tentativas de checkout com falha', `${r.requests.checkoutAttempts.failed} de ${r.requests.checkoutAttempts.total} (checkouts abandonados: ${r.requests.checkoutsGaveUp})`],
    ['Leituras com falha (sonda 50 ms)', `${r.requests.reads.failed} de ${r.requests.reads.total}`],
    ['ab GET /api/v1/produtos', ab ? `${ab.complete} req, ${ab.failed} falhas, ${ab.non2xx} não-2xx, ${ab.requestsPerSecond.toFixed(0)} req/s` : 'sem carga (--load)'],
    ['Pedidos confirmados', String(r.acknowledgedOrders)],
    ['Escritas confirmadas perdidas', String(r.acknowledgedLost)],
    ['Religamento do nó antigo (réplica)', r.rejoinMs === null ? 'n/a (use --rejoin)' : `${fmt(r.rejoinMs)} desde a queda (${fmt(r.rejoinFromRestartMs)} desde o reinício)`],
    ['Cluster depois', r.clusterAfter.members.map((m) => `${m.name}=${m.role}/${m.state}${m.streaming ? '/streaming' : ''}`).join(', ')],
  ];
}

export function formatReport(r: FailoverResult): string {
  const rows = reportRows(r);
  const w = Math.max(...rows.map(([k]) => k.length), 'Métrica'.length);
  const v = Math.max(...rows.map(([, x]) => x.length), 'Valor'.length);
  const line = (a: string, b: string) => `| ${a.padEnd(w)} | ${b.padEnd(v)} |`;
  const out = [
    `Failover (${r.mode === 'node' ? 'nó inteiro' : 'só o postmaster'}) de ${r.oldLeader}, ${r.startedAt}`,
    line('Métrica', 'Valor'),
    `|${'-'.repeat(w + 2)}|${'-'.repeat(v + 2)}|`,
    ...rows.map(([a, b]) => line(a, b)),
  ];
  if (r.failures.length) {
    out.push('', `failed requests (ms from the kill): ${r.failures.slice(0, 12).map((f) => `${f.kind}@${f.t}:${f.status || f.error}`).join(', ')}${r.failures.length > 12 ? ', ...' : ''}`);
  }
  out.push('', r.ok ? 'RESULT: recovered, no acknowledged write lost' : `RESULT: FAILED\n  ${r.problems.join('\n  ')}`);
  return out.join('\n');
}

/** Writes the JSON report (rows + raw figures + timeline); returns the file written. */
export function writeReport(r: FailoverResult, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json = { tabela: Object.fromEntries(reportRows(r)), ...r };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  return file;
}
