/**
 * Ratios that survive a noisy machine. The load on this shared 2-core machine moves from second to second, so
 * a ratio is only as good as the moment its two runs share. Each ratio here is taken per PAIR of adjacent runs
 * (baseline, subject), the pairs' order alternates (A B, then B A, ...) so neither side always runs on a
 * warmer or cooler machine, and the report gives the median of the per-pair ratios with their range: two
 * runs are "within noise" when either run's median falls inside the other's range (sameWithinNoise).
 */
import { median } from './stats';

export interface Step<K extends string, T> {
  key: K;
  run: (rep: number) => Promise<T>;
}

/**
 * Runs `steps` `reps` times: in the given order on odd repetitions (1, 3, ...), reversed on even ones (after
 * one discarded run of each, called with rep 0, when `warmup`). Steps
 * meant to be compared must be next to each other in `steps` (then they stay adjacent either way round).
 * Returns each key's results in repetition order, so index i of two keys is one pair.
 */
export async function interleaved<K extends string, T>(reps: number, steps: readonly Step<K, T>[], opts: { warmup?: boolean } = {}): Promise<Record<K, T[]>> {
  const out = {} as Record<K, T[]>;
  for (const s of steps) out[s.key] = [];
  // rep 0: each step once, discarded (the first run of a path pays for JIT compilation and new connections).
  if (opts.warmup) for (const s of steps) await s.run(0);
  for (let rep = 1; rep <= reps; rep++) {
    const order = rep % 2 === 1 ? steps : [...steps].reverse();
    for (const s of order) out[s.key].push(await s.run(rep));
  }
  return out;
}

/** The per-pair ratios of a measurement: their median (the figure reported), lowest and highest. */
export interface PairedRatio {
  median: number;
  min: number;
  max: number;
  /** Pairs with a finite ratio. */
  pairs: number;
}

/** A Target's `spread` field from a paired ratio (none with fewer than two pairs: a range of one says nothing). */
export function spreadOf(p: PairedRatio): { spread?: { min: number; max: number; pairs: number } } {
  return p.pairs > 1 ? { spread: { min: p.min, max: p.max, pairs: p.pairs } } : {};
}

/** num[i] / den[i] for each pair i (pairs with a non-positive or missing figure are left out). */
export function pairedRatio(num: number[], den: number[]): PairedRatio {
  const ratios = num.map((n, i) => (Number.isFinite(n) && Number.isFinite(den[i]) && (den[i] as number) > 0 ? n / (den[i] as number) : NaN)).filter((r) => Number.isFinite(r));
  if (ratios.length === 0) return { median: NaN, min: NaN, max: NaN, pairs: 0 };
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), pairs: ratios.length };
}

/** Whether a value falls inside a run's per-pair range. */
export function withinRange(range: { min: number; max: number }, value: number): boolean {
  return Number.isFinite(value) && value >= range.min && value <= range.max;
}

/**
 * "Matches a rerun within noise": two runs' ratios cannot be told apart by the spread their own pairs showed,
 * i.e. either run's median falls inside the other run's per-pair range. Undefined when a run has no range.
 */
export function sameWithinNoise(a: { ratio: number; spread?: { min: number; max: number } }, b: { ratio: number; spread?: { min: number; max: number } }): boolean | undefined {
  if (!a.spread || !b.spread) return undefined;
  return withinRange(a.spread, b.ratio) || withinRange(b.spread, a.ratio);
}

/** "rep 3/8", or "warm-up, discarded" for rep 0. */
export function repLabel(rep: number, reps: number): string {
  return rep === 0 ? 'warm-up, discarded' : `rep ${rep}/${reps}`;
}
