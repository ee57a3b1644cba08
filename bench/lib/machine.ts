/** Machine facts for the report: the numbers only mean something next to what produced them. */
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '@brigadeiro/topology';

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return 'not found';
  return ((r.stdout || '') + (r.stderr || '')).trim().split('\n')[0] ?? '';
}

function readTrim(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return 'not readable here';
  }
}

export interface MachineFacts {
  hostname: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: number[];
  os: string;
  kernel: string;
  node: string;
  nginx: string;
  redis: string;
  postgres: string;
  ab: string;
  autocannon: string;
  gitCommit: string;
  settings: Record<string, string>;
}

export function machineFacts(): MachineFacts {
  const osRelease = readTrim('/etc/os-release');
  const pretty = /PRETTY_NAME="([^"]+)"/.exec(osRelease)?.[1] ?? os.type();
  let autocannonVersion = 'n/a';
  try {
    autocannonVersion = (JSON.parse(fs.readFileSync(require.resolve('autocannon/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    /* reported as n/a */
  }
  return {
    hostname: os.hostname(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    os: pretty,
    kernel: os.release(),
    node: process.version,
    nginx: firstLine('nginx', ['-v']),
    redis: firstLine('redis-server', ['--version']),
    postgres: firstLine('/usr/lib/postgresql/15/bin/postgres', ['--version']),
    ab: firstLine('ab', ['-V']),
    autocannon: autocannonVersion,
    gitCommit: firstLine('git', ['-C', REPO_ROOT, 'describe', '--always', '--dirty', '--abbrev=7']),
    settings: {
      'net.core.somaxconn': readTrim('/proc/sys/net/core/somaxconn'),
      'net.ipv4.ip_local_port_range': readTrim('/proc/sys/net/ipv4/ip_local_port_range').replace(/\s+/g, ' '),
      'net.ipv4.tcp_tw_reuse': readTrim('/proc/sys/net/ipv4/tcp_tw_reuse'),
      'open files (ulimit -n)': firstLine('bash', ['-c', 'ulimit -n']),
      'cpu governor': readTrim('/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'),
    },
  };
}
