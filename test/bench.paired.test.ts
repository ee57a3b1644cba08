/**
 * bench/lib/paired.ts: how a target ratio is taken on a noisy machine (pairs of adjacent runs, the order
 * alternating, the median of the per-pair ratios and their range). No stack needed.
 */
import { interleaved, pairedRatio, sameWithinNoise, withinRange } from '../bench/lib/paired';

describe('bench paired ratios', () => {
  it('when steps run for several repetitions, then odd repetitions keep their order, even ones reverse it, and each key keeps its results in repetition order', async () => {
    const calls: string[] = [];
    const step = (key: 'a' | 'b' | 'c') => ({ key, run: async (rep: number) => (calls.push(`${key}${rep}`), `${key}${rep}`) });
    const out = await interleaved(3, [step('a'), step('b'), step('c')]);
    expect(calls).toEqual(['a1', 'b1', 'c1', 'c2', 'b2', 'a2', 'a3', 'b3', 'c3']);
    expect(out).toEqual({ a: ['a1', 'a2', 'a3'], b: ['b1', 'b2', 'b3'], c: ['c1', 'c2', 'c3'] });
  });

  it('when pairs are divided, then the median is of per-pair ratios (not of medians), with the lowest and highest pair, and broken pairs are left out', () => {
    // Medians of each side would give 200 / 100 = 2; the pairs say 1, 1, 4.
    const r = pairedRatio([100, 200, 400, 50], [100, 200, 100, 0]);
    expect(r).toEqual({ median: 1, min: 1, max: 4, pairs: 3 });
    expect(pairedRatio([], [])).toMatchObject({ pairs: 0 });
    expect(Number.isNaN(pairedRatio([1], [Number.NaN]).median)).toBe(true);
  });

  it('when a rerun is compared with a run, then it is within noise only inside the run\'s per-pair range', () => {
    const range = { min: 0.8, max: 1.1 };
    expect(withinRange(range, 0.8)).toBe(true);
    expect(withinRange(range, 1.05)).toBe(true);
    expect(withinRange(range, 0.79)).toBe(false);
    expect(withinRange(range, 1.2)).toBe(false);
    expect(withinRange(range, Number.NaN)).toBe(false);
  });

  it('when two runs are compared, then they match within noise when either median is inside the other run\'s range of pairs, and cannot be judged without ranges', () => {
    const run = (ratio: number, min: number, max: number) => ({ ratio, spread: { min, max } });
    expect(sameWithinNoise(run(0.95, 0.7, 0.997), run(1.015, 0.88, 1.07))).toBe(true); // the first median is inside the second's range
    expect(sameWithinNoise(run(0.5, 0.45, 0.55), run(0.6, 0.58, 0.7))).toBe(false);
    expect(sameWithinNoise({ ratio: 0.5 }, run(0.5, 0.4, 0.6))).toBeUndefined();
  });
});
