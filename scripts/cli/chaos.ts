/**
 * `npm run chaos -- <service> latency=800ms | errors=30% | hang | reset | status` (faults combine:
 * `latency=200ms errors=10%`). Calls the service's admin-only /admin/falhas on its own port
 * (serviceUrl(topologyOfRunningStack(), service)) with the admin token, then prints the resulting state.
 * Exit codes: 0 done, 2 bad usage, 1 the service could not be reached or refused.
 */
import axios, { isAxiosError } from 'axios';
import { CHAOS_USAGE, ChaosUsageError, describeFaults, parseChaosArgs, type ChaosCommand } from '@brigadeiro/chaos';
import { serviceUrl } from '@brigadeiro/topology';
import { topologyOfRunningStack } from '../stack/state';

async function run(cmd: ChaosCommand): Promise<number> {
  // The ports the running stack was started with (stack.json), even if this shell's environment differs.
  const t = topologyOfRunningStack();
  const url = `${serviceUrl(t, cmd.service)}/admin/falhas`;
  const headers = { Authorization: `Bearer ${t.adminToken}` };
  try {
    const res =
      cmd.action === 'status'
        ? await axios.get(url, { headers, timeout: 5000 })
        : cmd.action === 'reset'
          ? await axios.delete(url, { headers, timeout: 5000 })
          : await axios.put(url, cmd.settings, { headers, timeout: 5000 });
    process.stdout.write(describeFaults(cmd.service, res.data) + '\n');
    process.stdout.write(JSON.stringify(res.data) + '\n');
    return 0;
  } catch (err) {
    const status = isAxiosError(err) ? err.response?.status : undefined;
    const body = isAxiosError(err) ? (err.response?.data as { message?: string } | undefined) : undefined;
    const why = status ? `answered ${status}${body?.message ? `: ${body.message}` : ''}` : `is not reachable at ${url} (${(err as { code?: string }).code ?? String(err)}); is the stack running? (npm run status)`;
    process.stderr.write(`chaos: ${cmd.service} ${why}\n`);
    return 1;
  }
}

function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(CHAOS_USAGE + '\n');
    return Promise.resolve(argv.length === 0 ? 2 : 0);
  }
  let cmd: ChaosCommand;
  try {
    cmd = parseChaosArgs(argv);
  } catch (err) {
    if (!(err instanceof ChaosUsageError)) throw err;
    process.stderr.write(`chaos: ${err.message}\n${CHAOS_USAGE}\n`);
    return Promise.resolve(2);
  }
  return run(cmd);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
