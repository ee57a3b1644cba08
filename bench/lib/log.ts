/**
 * Progress lines for a person watching a run. Everything goes to stderr so stdout stays free for the
 * final summary (the report's path), which scripts may read.
 */
const t0 = Date.now();

function stamp(): string {
  return `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;
}

export function say(line: string): void {
  process.stderr.write(`${stamp()} ${line}\n`);
}

/**
 * Prints "still running" every `everyMs` while a bounded run goes on, so a long step never looks hung.
 * Returns the function that stops the ticker.
 */
export function ticker(label: string, boundSeconds: number, everyMs = 2000): () => void {
  const start = Date.now();
  const timer = setInterval(() => {
    const s = (Date.now() - start) / 1000;
    say(`  ... ${label}: ${s.toFixed(0)} s of at most ${boundSeconds.toFixed(0)} s`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
