import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { shortenPauses } from './pauses';

const S = SAMPLE_RATE;

/** A window whose samples are their own index in the stream (so the kept ranges can be read back). */
function ramp(start: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => start + i);
}

/** The kept [start, end) stream ranges of an output made from ramp(). */
function ranges(out: Float32Array): [number, number][] {
  const r: [number, number][] = [];
  for (const v of out) {
    const last = r.at(-1);
    if (last && v === last[1]) last[1]++;
    else r.push([v, v + 1]);
  }
  return r;
}

describe('shortenPauses', () => {
  it('keeps speech whole and half a second at each side of a long pause', () => {
    const start = 10 * S;
    const pcm = ramp(start, 20 * S);
    // speech 11–14 s and 20–25 s in the stream; the window is 10–30 s
    const out = shortenPauses(pcm, start, [
      [11 * S, 14 * S],
      [20 * S, 25 * S],
    ]);
    expect(ranges(out)).toEqual([
      [10.5 * S, 14.5 * S],
      [19.5 * S, 25.5 * S],
    ]);
    expect(out.length).toBe(10 * S);
  });

  it('leaves pauses up to the limit alone and returns the window itself when nothing is cut', () => {
    const pcm = ramp(0, 6 * S);
    const regions: [number, number][] = [
      [0.5 * S, 2 * S],
      [2.8 * S, 5.5 * S],
    ];
    expect(shortenPauses(pcm, 0, regions)).toBe(pcm);
    // a 2 s limit keeps a 1.5 s pause whole, a 0.4 s limit shortens it
    const cut = shortenPauses(
      ramp(0, 10 * S),
      0,
      [
        [1 * S, 2 * S],
        [3.5 * S, 9.9 * S],
      ],
      0.4,
    );
    expect(ranges(cut)).toEqual([
      [0.8 * S, 2.2 * S],
      [3.3 * S, 10 * S],
    ]);
  });

  it('clips regions to the window (a hard cut ends inside speech) and ignores regions outside it', () => {
    const start = 100 * S;
    const pcm = ramp(start, 10 * S);
    const out = shortenPauses(pcm, start, [
      [90 * S, 101 * S],
      [105 * S, 115 * S],
      [120 * S, 121 * S],
    ]);
    expect(ranges(out)).toEqual([
      [100 * S, 101.5 * S],
      [104.5 * S, 110 * S],
    ]);
  });

  it('sends a window without speech regions as it is', () => {
    const pcm = ramp(0, 3 * S);
    expect(shortenPauses(pcm, 0, [])).toBe(pcm);
  });
});
