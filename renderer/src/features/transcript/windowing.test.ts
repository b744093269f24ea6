import { describe, expect, it } from 'vitest';
import {
  ESTIMATED_ROW_PX,
  ROW_GAP_PX,
  centredTop,
  indexAt,
  layoutRows,
  rowHeight,
  rowsBetween,
} from './windowing';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

describe('segment list windowing', () => {
  it('lays rows out from measured heights, the mean of them for rows never drawn', () => {
    const offsets = layoutRows(
      ['a', 'b', 'c', 'd'],
      new Map([
        ['a', 40],
        ['c', 100],
      ]),
    );
    // b and d take the mean of the measured rows (70)
    expect([...offsets]).toEqual([0, 42, 114, 216, 286]);
    expect(rowHeight(offsets, 1)).toBe(70);
    expect(rowHeight(offsets, 3)).toBe(70);
  });

  it('uses the fixed estimate before anything is measured, and an empty list is 0 high', () => {
    const offsets = layoutRows(ids(3), new Map());
    expect(offsets[3]).toBe(3 * ESTIMATED_ROW_PX + 2 * ROW_GAP_PX);
    expect([...layoutRows([], new Map())]).toEqual([0]);
    expect(rowsBetween(layoutRows([], new Map()), 0, 500)).toEqual({ start: 0, end: 0 });
  });

  it('finds the row under a point by binary search, clamped at both ends', () => {
    const offsets = layoutRows(ids(1500), new Map());
    const step = ESTIMATED_ROW_PX + ROW_GAP_PX;
    expect(indexAt(offsets, -50)).toBe(0);
    expect(indexAt(offsets, 0)).toBe(0);
    expect(indexAt(offsets, step - 1)).toBe(0);
    expect(indexAt(offsets, step)).toBe(1);
    expect(indexAt(offsets, 1200 * step + 5)).toBe(1200);
    expect(indexAt(offsets, 1e9)).toBe(1499);
  });

  it('renders only the rows that meet the viewport', () => {
    const offsets = layoutRows(ids(1500), new Map());
    const step = ESTIMATED_ROW_PX + ROW_GAP_PX;
    expect(rowsBetween(offsets, 0, 10 * step)).toEqual({ start: 0, end: 11 });
    expect(rowsBetween(offsets, 1000 * step + 1, 1010 * step)).toEqual({ start: 1000, end: 1011 });
    // past the end: the last row, never an empty range while there are rows
    expect(rowsBetween(offsets, 1e9, 1e9 + 800)).toEqual({ start: 1499, end: 1500 });
  });

  it('centres a row in the viewport, never above the list top', () => {
    const offsets = layoutRows(
      ['a', 'b', 'c'],
      new Map([
        ['a', 100],
        ['b', 200],
        ['c', 100],
      ]),
    );
    // b spans 102..302: a 400 px viewport shows it from 2 (100 above and below)
    expect(centredTop(offsets, 1, 400)).toBe(2);
    expect(centredTop(offsets, 0, 400)).toBe(0);
  });
});
