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
import { parse, runCli, UsageError } from './args';

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

/** No options but -h/--help: a word starting with "-" (--latency=800) is an unknown option, not a fault. */
function main(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  let cmd: ChaosCommand;
  try {
    cmd = parseChaosArgs(positionals);
  } catch (err) {
    if (err instanceof ChaosUsageError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  return run(cmd);
}

runCli('chaos', CHAOS_USAGE, main);
