/**
 * Windowing of the segment list, as pure arithmetic: rows are laid out one under the other from their measured
 * heights (an estimate for rows never drawn), and only the rows near the viewport are rendered. A 1,500-segment
 * transcript rendered every row (a textarea, inputs and buttons each): ~2 s to open.
 */

/** Space between two rows (what `.segment + .segment` margin was). */
export const ROW_GAP_PX = 2;
/** A one-line segment's height, until rows are measured. */
export const ESTIMATED_ROW_PX = 72;
/** Rows this far above and below the viewport are rendered too: Tab and short scrolls land on rows already there. */
export const OVERSCAN_PX = 800;

/**
 * Top of each row (index i) and, at index n, the list's height. Rows without a measured height get the mean of the
 * measured ones (rows of one transcript are alike), else `ESTIMATED_ROW_PX`.
 */
export function layoutRows(
  ids: readonly string[],
  heights: ReadonlyMap<string, number>,
  gap = ROW_GAP_PX,
): Float64Array {
  let sum = 0;
  let count = 0;
  for (const id of ids) {
    const h = heights.get(id);
    if (h !== undefined) {
      sum += h;
      count++;
    }
  }
  const estimate = count > 0 ? sum / count : ESTIMATED_ROW_PX;
  const offsets = new Float64Array(ids.length + 1);
  let y = 0;
  ids.forEach((id, i) => {
    offsets[i] = y;
    y += (heights.get(id) ?? estimate) + (i < ids.length - 1 ? gap : 0);
  });
  offsets[ids.length] = y;
  return offsets;
}

/** The row under `y` (list coordinates), clamped to the rows there are; 0 for an empty list. */
export function indexAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface RowRange {
  /** First row rendered. */
  start: number;
  /** One past the last row rendered. */
  end: number;
}

/** The rows that meet [top, bottom) (list coordinates), at least one when there are rows. */
export function rowsBetween(offsets: Float64Array, top: number, bottom: number): RowRange {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const start = indexAt(offsets, Math.max(0, top));
  const last = indexAt(offsets, Math.max(top, bottom));
  return { start, end: Math.min(n, last + 1) };
}

/** Height of row i as laid out (without the gap under it). */
export function rowHeight(offsets: Float64Array, i: number, gap = ROW_GAP_PX): number {
  const n = offsets.length - 1;
  return offsets[i + 1]! - offsets[i]! - (i < n - 1 ? gap : 0);
}

/** Where the viewport's top goes (list coordinates) to show row i in its middle. */
export function centredTop(offsets: Float64Array, i: number, viewportHeight: number): number {
  return Math.max(0, offsets[i]! - (viewportHeight - rowHeight(offsets, i)) / 2);
}
