import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useFindStore } from './find-store';
import { usePlaybackStore } from './playback-store';
import { SegmentRow } from './SegmentRow';
import {
  ESTIMATED_ROW_PX,
  OVERSCAN_PX,
  centredTop,
  indexAt,
  layoutRows,
  rowsBetween,
  type RowRange,
} from './windowing';

interface SegmentListProps {
  ids: readonly string[];
  speakerListId: string;
  listRef: RefObject<HTMLOListElement | null>;
  onUserScroll: () => void;
}

/** A row to bring into view (centred) once it is rendered: the playhead's segment or the active find hit. */
interface ScrollTarget {
  id: string;
}

/** The element whose scrolling moves the list: the nearest scrollable ancestor, else the page. */
function scrollParentOf(el: HTMLElement): HTMLElement {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const { overflowY } = getComputedStyle(p);
    if (overflowY === 'auto' || overflowY === 'scroll') return p;
  }
  return (document.scrollingElement as HTMLElement | null) ?? document.documentElement;
}

const isPage = (el: HTMLElement) => el === document.scrollingElement || el === document.documentElement;

/** The viewport in the list's own coordinates (0 = the list's top). */
function viewOf(list: HTMLElement, scroller: HTMLElement): { top: number; height: number } {
  const listTop = list.getBoundingClientRect().top;
  const page = isPage(scroller);
  const top = (page ? 0 : scroller.getBoundingClientRect().top) - listTop;
  const height = (page ? window.innerHeight : scroller.clientHeight) || window.innerHeight;
  return { top, height };
}

const sameRange = (a: RowRange, b: RowRange) => a.start === b.start && a.end === b.end;

/**
 * The transcript's segments, windowed: rows are absolutely placed from their measured heights and only those near
 * the viewport (plus the one holding the focus) are in the DOM. Following the playhead and the active find hit
 * scroll to rows that are not rendered yet: to their laid-out place first, then precisely once the row is there.
 */
export function SegmentList({ ids, speakerListId, listRef, onUserScroll }: SegmentListProps) {
  // measured heights by segment id: a split or merge keeps the other rows' heights
  const [heights, setHeights] = useState<ReadonlyMap<string, number>>(() => new Map());
  const offsets = useMemo(() => layoutRows(ids, heights), [ids, heights]);
  const offsetsRef = useRef(offsets);
  const scroller = useRef<HTMLElement | null>(null);
  const view = useRef({ top: 0, height: window.innerHeight });
  const [range, setRange] = useState<RowRange>(() => ({
    start: 0,
    end: Math.min(ids.length, Math.ceil((window.innerHeight + OVERSCAN_PX) / ESTIMATED_ROW_PX)),
  }));
  const [focusedId, setFocusedId] = useState<string | null>(null);
  // the row to bring into view; `aimed` re-renders for a new one (the ref is what the layout effect consumes)
  const target = useRef<ScrollTarget | null>(null);
  /** The row last brought into view: what stays put while rows around it are measured. */
  const placedId = useRef<string | null>(null);
  const [aimed, aim] = useState(0);
  const setTarget = useCallback((t: ScrollTarget) => {
    target.current = t;
    aim((n) => n + 1);
  }, []);
  const rows = useRef(new Map<string, HTMLLIElement>());

  const updateRange = useCallback(() => {
    const list = listRef.current;
    const s = scroller.current;
    if (!list || !s) return;
    view.current = viewOf(list, s);
    const { top, height } = view.current;
    const next = rowsBetween(offsetsRef.current, top - OVERSCAN_PX, top + height + OVERSCAN_PX);
    setRange((prev) => (sameRange(prev, next) ? prev : next));
  }, [listRef]);

  const scrollBy = (delta: number) => {
    const s = scroller.current;
    if (s && delta !== 0) s.scrollTop += delta;
  };

  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const s = scrollParentOf(list);
    scroller.current = s;
    const source: HTMLElement | Window = isPage(s) ? window : s;
    source.addEventListener('scroll', updateRange, { passive: true });
    window.addEventListener('resize', updateRange);
    return () => {
      source.removeEventListener('scroll', updateRange);
      window.removeEventListener('resize', updateRange);
    };
  }, [listRef, updateRange]);

  // Heights changed: rows above the viewport moved the rows in it. Keep a row in view where it was, so measuring
  // (or a better estimate) never makes the text jump under the reader: the row last brought into view (the playhead's,
  // the find hit's) while it is on screen, else the first one.
  useLayoutEffect(() => {
    const old = offsetsRef.current;
    offsetsRef.current = offsets;
    const { top, height } = view.current;
    if (old !== offsets && old.length === offsets.length && top > 0) {
      const placed = placedId.current === null ? -1 : ids.indexOf(placedId.current);
      const onScreen = placed >= 0 && old[placed]! < top + height && old[placed + 1]! > top;
      const anchor = onScreen ? placed : indexAt(old, top);
      scrollBy(offsets[anchor]! - old[anchor]!);
    }
    updateRange();
  }, [offsets, ids, updateRange]);

  const observer = useMemo(
    () =>
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            const sizes: [string, number][] = [];
            for (const entry of entries) {
              const el = entry.target as HTMLElement;
              const id = el.dataset['segmentId'];
              const h = entry.borderBoxSize?.[0]?.blockSize ?? el.getBoundingClientRect().height;
              if (id && el.isConnected && h > 0) sizes.push([id, h]);
            }
            setHeights((prev) => {
              const changed = sizes.filter(([id, h]) => Math.abs((prev.get(id) ?? -1) - h) >= 0.5);
              if (changed.length === 0) return prev;
              const next = new Map(prev);
              for (const [id, h] of changed) next.set(id, h);
              return next;
            });
          }),
    [],
  );
  useEffect(() => () => observer?.disconnect(), [observer]);

  const rowRef = useCallback(
    (id: string, el: HTMLLIElement | null) => {
      const old = rows.current.get(id);
      if (old && old !== el) observer?.unobserve(old);
      if (el) {
        rows.current.set(id, el);
        observer?.observe(el);
      } else {
        rows.current.delete(id);
      }
    },
    [observer],
  );

  // Follow the playhead (centred: the reader sees what comes next, and the sticky player never covers the row) and
  // the active find hit, whether or not their row is rendered now.
  useEffect(() => {
    const follow = (id: string | null) => {
      if (!id) return;
      const active = document.activeElement;
      const editing =
        active instanceof HTMLTextAreaElement &&
        listRef.current?.closest('.transcript')?.contains(active) === true;
      if (usePlaybackStore.getState().takeFollow(editing)) setTarget({ id });
    };
    follow(usePlaybackStore.getState().currentId);
    const offPlayback = usePlaybackStore.subscribe((s, prev) => {
      if (s.currentId !== prev.currentId) follow(s.currentId);
    });
    const offFind = useFindStore.subscribe((s, prev) => {
      const hit = s.matches[s.active];
      // centred too: 'nearest' put a hit above the viewport under the sticky player and find bar
      if (hit && hit !== prev.matches[prev.active]) setTarget({ id: hit.segmentId });
    });
    return () => {
      offPlayback();
      offFind();
    };
  }, [listRef, setTarget]);

  const placeTarget = useCallback(() => {
    const t = target.current;
    if (!t) return;
    const el = rows.current.get(t.id);
    if (el) {
      target.current = null;
      placedId.current = t.id;
      el.scrollIntoView?.({ block: 'center' });
      // centred in what is not under the sticky player and find bar (on a small window they take half of it)
      const s = scroller.current;
      const bars = listRef.current?.closest('.transcript')?.querySelector('.transcript__sticky');
      if (s && bars) {
        const page = isPage(s);
        const top = Math.max(page ? 0 : s.getBoundingClientRect().top, bars.getBoundingClientRect().bottom);
        const bottom = page ? window.innerHeight : s.getBoundingClientRect().bottom;
        const row = el.getBoundingClientRect();
        // a row taller than the free space shows its start
        const want = row.height > bottom - top ? top : (top + bottom - row.height) / 2;
        if (bottom > top) scrollBy(Math.round(row.top - want));
      }
      return;
    }
    const i = ids.indexOf(t.id);
    if (i < 0) {
      target.current = null;
      return;
    }
    // not rendered: scroll to where it is laid out; the row renders there and this runs again to place it exactly
    const list = listRef.current;
    const s = scroller.current;
    const before = list && s ? viewOf(list, s) : view.current;
    const want = centredTop(offsets, i, before.height);
    scrollBy(want - before.top);
    const after = list && s ? viewOf(list, s) : before;
    // where scrolling does not move the list (no layout), the row's neighbourhood is rendered all the same
    const top = Math.abs(after.top - before.top) < 1 ? want : after.top;
    view.current = { top, height: after.height };
    const next = rowsBetween(offsets, top - OVERSCAN_PX, top + after.height + OVERSCAN_PX);
    setRange((prev) => (sameRange(prev, next) ? prev : next));
  }, [ids, offsets, listRef]);
  // after every render that may have brought the target's row: a new target, new rows, new heights
  useLayoutEffect(placeTarget, [placeTarget, aimed, range]);

  const focusedIndex = focusedId === null ? -1 : ids.indexOf(focusedId);
  const indices: number[] = [];
  const end = Math.min(range.end, ids.length);
  if (focusedIndex >= 0 && focusedIndex < range.start) indices.push(focusedIndex);
  for (let i = Math.min(range.start, end); i < end; i++) indices.push(i);
  if (focusedIndex >= end) indices.push(focusedIndex);

  return (
    <ol
      ref={listRef}
      className="transcript__segments"
      aria-label="Segments"
      tabIndex={-1}
      style={{ height: offsets[ids.length] }}
      onWheel={onUserScroll}
      onTouchMove={onUserScroll}
      onFocus={(e) => {
        const id = (e.target as HTMLElement).closest<HTMLElement>('[data-segment-id]')?.dataset['segmentId'];
        if (id && id !== focusedId) setFocusedId(id);
      }}
      onBlur={(e) => {
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget)))
          setFocusedId(null);
      }}
    >
      {indices.map((i) => {
        const id = ids[i]!;
        return (
          <SegmentRow
            key={id}
            id={id}
            index={i}
            count={ids.length}
            top={offsets[i]!}
            rowRef={rowRef}
            speakerListId={speakerListId}
          />
        );
      })}
    </ol>
  );
}
