/**
 * Where the CPU goes: CPU time of each stack component (its PID file's process and every descendant: nginx
 * workers, each service instance; for pg1 and pg2 Patroni AND its PostgreSQL, whose postmaster Patroni
 * detaches (its parent is PID 1), found through the data directory's postmaster.pid with every backend,
 * walsender and walreceiver under it) and of the whole machine, read from /proc before and after a run.
 * Divided by the work done in between (e.g. orders) it says what one unit of work costs each component,
 * which is what bounds throughput on a machine whose cores are all busy. What the machine spent that no
 * listed process did (the kernel's softirq network work on loopback, steal time, other processes) is
 * reported as its own line, so the lines add up to the cores' busy time.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Topology } from '@brigadeiro/topology';
import { stackPaths } from '../../scripts/stack/layout';
import { livePid, pidNames } from '../../scripts/stack/process';
import { postmasterPid } from '../../scripts/stack/patroni';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every architecture Node runs on here. */
const TICK_MS = 10;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime (reaped children count once, in their parent), ms. */
  cpuMs: number;
}

function readProcs(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: the fields after the LAST ')' are fixed.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    out.set(Number(name), { ppid: Number(f[1]), cpuMs: ticks * TICK_MS });
  }
  return out;
}

/** Busy and total CPU time of the machine (all cores), ms, from /proc/stat's first line. */
function machine(): { busyMs: number; totalMs: number } {
  const first = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = first.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busyMs: (total - idle) * TICK_MS, totalMs: total * TICK_MS };
}

export interface CpuSnapshot {
  /** Component name (PID file name, e.g. "pedidos", "carrinho-2", "pg1", "nginx") -> CPU ms of its process tree. */
  components: Map<string, number>;
  /** This process (the load generator), ms. */
  selfMs: number;
  machine: { busyMs: number; totalMs: number };
}

/**
 * CPU time so far of every running component of the stack `t` (by its PID files), of `extra` processes the
 * bench started itself (name -> PID, e.g. its own nginx), and of the machine.
 */
export function cpuSnapshot(t: Topology, extra: Record<string, number> = {}): CpuSnapshot {
  const p = stackPaths(t);
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const [pid, s] of procs) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const treeMs = (root: number): number => {
    let ms = 0;
    const todo = [root];
    while (todo.length) {
      const pid = todo.pop()!;
      ms += procs.get(pid)?.cpuMs ?? 0;
      todo.push(...(children.get(pid) ?? []));
    }
    return ms;
  };
  const components = new Map<string, number>();
  for (const name of pidNames(p)) {
    const pid = livePid(p, name);
    if (pid === undefined) continue;
    const postmaster = name === 'pg1' || name === 'pg2' ? postmasterPid(p, name) : undefined;
    components.set(name, treeMs(pid) + (postmaster !== undefined ? treeMs(postmaster) : 0));
  }
  for (const [name, pid] of Object.entries(extra)) if (procs.has(pid)) components.set(name, treeMs(pid));
  const self = process.cpuUsage();
  return { components, selfMs: (self.user + self.system) / 1000, machine: machine() };
}

export interface CpuShare {
  component: string;
  /** CPU ms the component used between the snapshots. */
  ms: number;
  /** ms per unit of work (`units` given to cpuBetween). */
  perUnitMs: number;
}

/** The line of CpuUse.shares for the busy time no listed process accounts for. */
export const UNATTRIBUTED = 'not attributed (kernel network work, steal, other processes)';

export interface CpuUse {
  /**
   * Components that used any CPU and the load generator, busiest first, then UNATTRIBUTED: the machine's
   * busy time less all of them (never below 0), so the lines add up to what the cores spent.
   */
  shares: CpuShare[];
  /** Sum of the shares per unit (ms), UNATTRIBUTED included: the machine's busy CPU time per unit of work. */
  totalPerUnitMs: number;
  /** Share of all cores that was busy (whoever used it), %. */
  machineBusyPct: number;
  cores: number;
}

/**
 * CPU used between two snapshots, per unit of work. Components are grouped by name with the instance
 * number dropped ("carrinho-1".."carrinho-3" -> "carrinho") so the table reads per service.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, units: number): CpuUse {
  const n = Math.max(1, units);
  const grouped = new Map<string, number>();
  for (const [name, ms] of after.components) {
    const d = ms - (before.components.get(name) ?? ms);
    if (d <= 0) continue;
    const key = name.replace(/-\d+$/, '');
    grouped.set(key, (grouped.get(key) ?? 0) + d);
  }
  grouped.set('load generator (bench)', Math.max(0, after.selfMs - before.selfMs));
  const shares = [...grouped]
    .map(([component, ms]) => ({ component, ms, perUnitMs: ms / n }))
    .sort((a, b) => b.ms - a.ms);
  const busy = after.machine.busyMs - before.machine.busyMs;
  const total = after.machine.totalMs - before.machine.totalMs;
  const rest = Math.max(0, busy - shares.reduce((s, x) => s + x.ms, 0));
  shares.push({ component: UNATTRIBUTED, ms: rest, perUnitMs: rest / n });
  return {
    shares,
    totalPerUnitMs: shares.reduce((s, x) => s + x.perUnitMs, 0),
    machineBusyPct: total > 0 ? (busy / total) * 100 : 0,
    cores: os.availableParallelism(),
  };
}
