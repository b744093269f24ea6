import { describe, expect, it } from 'vitest';
import type { Segment } from '@common/transcript';
import { overlapsRange, replaceRange } from './replace-range';

function seg(id: string, startSec: number, endSec: number, text = id, extra: Partial<Segment> = {}): Segment {
  return { id, startSec, endSec, text, windowId: `w-${id}`, ...extra };
}

/** Five 10 s segments: 0-9, 10-19, 20-29, 30-39, 40-49. */
const current = [0, 1, 2, 3, 4].map((i) => seg(`s${i}`, i * 10, i * 10 + 9, `old ${i}`));

describe('replaceRange', () => {
  it('replaces the segments overlapping the range, in place, keeping everything else as it is', () => {
    const edited = current.map((s, i) => (i === 0 ? { ...s, text: 'edited by hand', speaker: 'Ana' } : s));
    const fresh = [seg('s1', 22, 26, 'new b'), seg('s0', 12, 21, 'new a')];
    const { segments, removed, added } = replaceRange({
      current: edited,
      fresh,
      range: { startSec: 12, endSec: 28 },
      idSuffix: 'r1',
    });
    expect(removed).toBe(2);
    expect(added).toBe(2);
    expect(segments.map((s) => s.id)).toEqual(['s0', 's0-r1', 's1-r1', 's3', 's4']);
    expect(segments.map((s) => s.text)).toEqual(['edited by hand', 'new a', 'new b', 'old 3', 'old 4']);
    // untouched segments are the very same values (edits, speakers kept)
    expect(segments[0]).toBe(edited[0]);
    expect(segments[3]).toBe(edited[3]);
    // in time order, inside the range
    expect(segments[1]).toMatchObject({ startSec: 12, endSec: 21 });
    expect(segments[2]).toMatchObject({ startSec: 22, endSec: 26 });
  });

  it('clamps fresh times into the range and drops empty text', () => {
    const { segments } = replaceRange({
      current,
      fresh: [seg('a', 29.9999, 35, 'x'), seg('b', 35, 40.0002, 'y'), seg('c', 36, 37, '  ')],
      range: { startSec: 30, endSec: 40 },
      idSuffix: 'r2',
    });
    expect(segments.map((s) => s.id)).toEqual(['s0', 's1', 's2', 'a-r2', 'b-r2', 's4']);
    expect(segments[3]).toMatchObject({ startSec: 30, endSec: 35 });
    expect(segments[4]).toMatchObject({ startSec: 35, endSec: 40 });
  });

  it('inserts at the right place when nothing overlapped (a gap between segments)', () => {
    const { segments, removed } = replaceRange({
      current,
      fresh: [seg('g', 9.2, 9.8, 'in the gap')],
      range: { startSec: 9.1, endSec: 9.9 },
      idSuffix: 'r3',
    });
    expect(removed).toBe(0);
    expect(segments.map((s) => s.id)).toEqual(['s0', 'g-r3', 's1', 's2', 's3', 's4']);
  });

  it('appends after the last segment and removes everything for a silent range', () => {
    expect(
      replaceRange({ current, fresh: [seg('t', 55, 58)], range: { startSec: 50, endSec: 60 }, idSuffix: 'r' })
        .segments.map((s) => s.id)
        .at(-1),
    ).toBe('t-r');
    const silent = replaceRange({ current, fresh: [], range: { startSec: 15, endSec: 35 }, idSuffix: 'r' });
    expect(silent.segments.map((s) => s.id)).toEqual(['s0', 's4']);
    expect(silent.removed).toBe(3);
  });

  it('keeps ids unique, also against an id left by an earlier re-transcription', () => {
    const earlier = [...current.slice(0, 2), seg('s0-r9', 20, 29), ...current.slice(3)];
    const { segments } = replaceRange({
      current: earlier,
      fresh: [seg('s0', 41, 44), seg('s1', 45, 48)],
      range: { startSec: 40, endSec: 50 },
      idSuffix: 'r9',
    });
    const ids = segments.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(['s0', 's1', 's0-r9', 's3', 's0-r9-2', 's1-r9']);
  });

  it('gives the fresh text the speaker the replaced segments shared, and none when they differed', () => {
    const labelled = current.map((s, i) => ({ ...s, speaker: i < 3 ? 'Ana' : 'Bo' }));
    const same = replaceRange({
      current: labelled,
      fresh: [seg('n', 11, 15)],
      range: { startSec: 10, endSec: 25 },
      idSuffix: 'r',
    });
    expect(same.segments.find((s) => s.id === 'n-r')?.speaker).toBe('Ana');
    const mixed = replaceRange({
      current: labelled,
      fresh: [seg('n', 25, 33)],
      range: { startSec: 25, endSec: 35 },
      idSuffix: 'r',
    });
    expect(mixed.segments.find((s) => s.id === 'n-r')?.speaker).toBeUndefined();
  });
});

describe('overlapsRange', () => {
  const range = { startSec: 10, endSec: 20 };
  it('counts shared time only: touching ends do not overlap', () => {
    expect(overlapsRange(seg('a', 0, 10), range)).toBe(false);
    expect(overlapsRange(seg('a', 20, 25), range)).toBe(false);
    expect(overlapsRange(seg('a', 9, 10.5), range)).toBe(true);
    expect(overlapsRange(seg('a', 19.5, 30), range)).toBe(true);
    expect(overlapsRange(seg('a', 5, 30), range)).toBe(true);
    expect(overlapsRange(seg('a', 15, 15), range)).toBe(true);
    expect(overlapsRange(seg('a', 20, 20), range)).toBe(false);
  });
});
