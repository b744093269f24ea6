/**
 * How long a window is as the model hears it, once its long pauses are shortened (main/engine/job/pauses.ts does the
 * shortening; this is the same rule as arithmetic, so that the cutter can budget a window before it exists). Pure.
 *
 * A pause longer than `maxPauseSec` keeps its first and last `maxPauseSec / 2`; the window's leading and trailing
 * silence keep at most `maxPauseSec / 2`; speech is kept whole. On a CPU every encoder chunk costs the same whatever
 * it holds, so the length that matters for the cost is this one, not the recorded one.
 */
import { SAMPLE_RATE } from '@common/audio';

/** Samples kept at each side of a shortened pause. */
export function pauseKeepSamples(maxPauseSec: number): number {
  return Math.max(0, Math.round((maxPauseSec * SAMPLE_RATE) / 2));
}

/**
 * Samples the model hears of the window [start, end) holding the speech `regions` ([start, end) samples in the same
 * clock, in order, not overlapping, clipped to the window here). A window without speech is heard whole.
 */
export function heardSamples(
  start: number,
  end: number,
  regions: readonly (readonly [number, number])[],
  keep: number,
): number {
  let heard = 0;
  let last = start;
  let any = false;
  for (const [a0, b0] of regions) {
    const a = Math.max(start, a0);
    const b = Math.min(end, b0);
    if (b <= a) continue;
    const gap = Math.max(0, a - last);
    // a pause between two regions keeps both its edges; the leading silence only the one next to the speech
    heard += Math.min(gap, any ? 2 * keep : keep) + Math.max(0, b - Math.max(a, last));
    last = Math.max(last, b);
    any = true;
  }
  if (!any) return end - start;
  return heard + Math.min(end - last, keep);
}
