/**
 * scripts/failover.sh: kill the PostgreSQL primary of the running native stack and measure what happens.
 *
 *   failover.ts [--postgres-only] [--load] [--rejoin] [--json FILE]
 *
 * Prints the seed's table and writes the same as JSON (default BRIGADEIRO_HOME/failover/<timestamp>.json).
 * Exit 1 when an acknowledged write is lost or the cluster does not recover (with --rejoin: one leader and
 * one streaming replica again). The measuring code is in scripts/failover/ (reusable by a Docker path).
 */
import path from 'node:path';
import { stackContext } from '../stack/context';
import { clusterHealthy } from '../stack/control';
import { pgCluster } from '../stack/patroni';
import { topologyOfRunningStack } from '../stack/state';
import { nativeHooks } from '../failover/native';
import { formatReport, writeReport } from '../failover/report';
import { DEFAULT_OPTIONS, type FailoverOptions, runFailover } from '../failover/run';

const USAGE = `usage: scripts/failover.sh [--postgres-only] [--load] [--rejoin] [--json FILE]
  (no option)      SIGKILL the primary's whole node (Patroni + PostgreSQL), as a machine dying
  --postgres-only  SIGKILL only the primary's postmaster (Patroni survives and restarts it)
  --load           drive traffic meanwhile: ab on GET /api/v1/produtos, checkout clients, a read prober
  --rejoin         restart the killed node and wait until it streams again as a replica (pg_rewind)
  --json FILE      where to write the JSON report (default BRIGADEIRO_HOME/failover/<timestamp>.json)`;

function parse(args: string[]): { o: Omit<FailoverOptions, 'say'>; json?: string } {
  const o = { ...DEFAULT_OPTIONS };
  let json: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--postgres-only') o.mode = 'postgres';
    else if (a === '--load') o.load = true;
    else if (a === '--rejoin') o.rejoin = true;
    else if (a === '--json') {
      json = args[++i];
      if (!json) throw new Error('--json needs a file name');
    } else if (a.startsWith('--json=')) json = a.slice('--json='.length);
    else throw new Error(`unknown option "${a}"\n${USAGE}`);
  }
  return { o, ...(json ? { json } : {}) };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { o, json } = parse(argv);
  const t = topologyOfRunningStack();
  const say = (line: string) => process.stderr.write(`failover: ${line}\n`);
  const ctx = stackContext(t, say);
  const before = await pgCluster(t);
  if (!clusterHealthy(before)) {
    say(`the cluster is not healthy (${before.error ?? before.members.map((m) => `${m.name}=${m.patroniRole}/${m.state}`).join(', ')}): is the stack running (npm start -- --detach)?`);
    return 1;
  }
  const result = await runFailover(t, nativeHooks(ctx), { ...o, say });
  process.stdout.write(formatReport(result) + '\n');
  const file = json ?? path.join(t.home, 'failover', `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  process.stdout.write(`JSON report: ${writeReport(result, file)}\n`);
  if (!o.rejoin && o.mode === 'node') {
    process.stdout.write(`${result.oldLeader} stays down: bring it back with \`npm run fault -- node-up ${result.oldLeader}\` (or run with --rejoin)\n`);
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`failover: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
