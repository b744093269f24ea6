import { describe, expect, it } from 'vitest';
import { suspectFlags } from '@common/transcript';
import { FLAG_INFO, formatTimestamp, segmentIndexAt } from './timeline';

describe('segmentIndexAt', () => {
  const segs = [0, 2, 5, 5.5, 9].map((startSec) => ({ startSec }));

  it.each([
    [-1, -1],
    [0, 0],
    [1.99, 0],
    [2, 1],
    [5.2, 2],
    [5.5, 3],
    [8.9, 3],
    [9, 4],
    [1e6, 4],
  ])('at %fs → %i', (t, i) => expect(segmentIndexAt(segs, t)).toBe(i));

  it('matches a linear scan on a long transcript', () => {
    const long = Array.from({ length: 5000 }, (_, i) => ({ startSec: i * 3.7 }));
    for (const t of [0, 1, 3.7, 100, 9999.9, 18496.3, 20000]) {
      const linear = long.findLastIndex((s) => s.startSec <= t);
      expect(segmentIndexAt(long, t)).toBe(linear);
    }
    expect(segmentIndexAt([], 3)).toBe(-1);
  });
});

describe('formatTimestamp', () => {
  it.each([
    [0, '0:00'],
    [9.99, '0:09'],
    [75, '1:15'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3725.5, '1:02:05'],
    [-3, '0:00'],
    [Number.NaN, '0:00'],
  ])('%f → %s', (sec, text) => expect(formatTimestamp(sec)).toBe(text));
});

describe('suspectFlags', () => {
  it("leaves out 'retried' (a clean retry is not suspect), keeps every other flag in its order", () => {
    expect(suspectFlags(['retried'])).toEqual([]);
    expect(suspectFlags(['loop', 'retried', 'hard_cut'])).toEqual(['loop', 'hard_cut']);
    expect(suspectFlags(['max_tokens'])).toEqual(['max_tokens']);
    expect(suspectFlags(undefined)).toEqual([]);
    for (const f of suspectFlags(['loop', 'max_tokens', 'hard_cut'])) expect(FLAG_INFO[f].label).not.toBe('');
  });
});
