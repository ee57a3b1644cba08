/**
 * Foreground mode: follows every component's log (logs/<name>.log) and prints each new line with a
 * `[name]` prefix, like docker compose does. Also reports once when a component's process exits.
 */
import fs from 'node:fs';
import type { StackContext } from './context';
import { logFile } from './layout';
import { livePid } from './process';

const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

/**
 * Patroni logs a heartbeat line every loop_wait (1 s) per node; on screen it drowns everything else.
 * It stays in logs/pg<n>.log; only the terminal view leaves it out.
 */
const HEARTBEAT = /INFO: no action\. I am \(/;

export function followLogs(ctx: StackContext, names: string[]): () => void {
  const width = Math.max(...names.map((n) => n.length));
  const tty = process.stdout.isTTY === true;
  const tails = names.map((name, i) => {
    const file = logFile(ctx.p, name);
    let offset = 0;
    try {
      offset = fs.statSync(file).size;
    } catch {
      /* not created yet */
    }
    const label = `[${name}]`.padEnd(width + 2);
    return { name, file, offset, partial: '', dead: false, prefix: tty ? `\x1b[${COLORS[i % COLORS.length]}m${label}\x1b[0m ` : `${label} ` };
  });
  const readNew = () => {
    for (const f of tails) {
      let size: number;
      try {
        size = fs.statSync(f.file).size;
      } catch {
        continue;
      }
      if (size < f.offset) f.offset = 0; // truncated
      if (size === f.offset) continue;
      const fd = fs.openSync(f.file, 'r');
      const buf = Buffer.alloc(Math.min(size - f.offset, 1 << 20));
      const n = fs.readSync(fd, buf, 0, buf.length, f.offset);
      fs.closeSync(fd);
      f.offset += n;
      const text = f.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      f.partial = lines.pop() ?? '';
      const shown = lines.filter((l) => !HEARTBEAT.test(l));
      if (shown.length) process.stdout.write(shown.map((l) => f.prefix + l + '\n').join(''));
    }
  };
  const checkAlive = () => {
    for (const f of tails) {
      if (!f.dead && livePid(ctx.p, f.name) === undefined) {
        f.dead = true;
        readNew();
        process.stdout.write(`${f.prefix}*** process exited (see ${f.file}) ***\n`);
      }
    }
  };
  const logTimer = setInterval(readNew, 200);
  const aliveTimer = setInterval(checkAlive, 2000);
  return () => {
    clearInterval(logTimer);
    clearInterval(aliveTimer);
    readNew();
  };
}
