import { create } from 'zustand';
import type { Segment } from '@common/transcript';
import { findMatches, type TextMatch } from '@common/transcript-edit';

interface FindState {
  open: boolean;
  query: string;
  replacement: string;
  wholeWord: boolean;
  matchCase: boolean;
  matches: readonly TextMatch[];
  /** Index into `matches` of the one Next/Replace act on. */
  active: number;
  /** Matches per segment id, for the rows to highlight without scanning the whole list. */
  bySegment: ReadonlyMap<string, readonly TextMatch[]>;
  /** The query and options `matches` were found for: while typing, the search runs once the keys pause. */
  searched: string;
  /** Bumped by every `show`, so Ctrl+F on an open bar brings the focus back to it. */
  shown: number;
  show: () => void;
  hide: () => void;
  setQuery: (query: string) => void;
  setReplacement: (replacement: string) => void;
  setWholeWord: (on: boolean) => void;
  setMatchCase: (on: boolean) => void;
  /** Re-run the search over the current segments (after an edit or an option change). */
  refresh: (segments: readonly Segment[]) => void;
  move: (delta: 1 | -1) => void;
}

const initial = {
  open: false,
  query: '',
  replacement: '',
  wholeWord: false,
  matchCase: false,
  matches: [] as readonly TextMatch[],
  active: 0,
  searched: '',
  bySegment: new Map<string, readonly TextMatch[]>() as ReadonlyMap<string, readonly TextMatch[]>,
  shown: 0,
};

/** How long the keys must pause before a typed query is searched. */
export const FIND_PAUSE_MS = 180;

/** What a search depends on; `searched` holds it for the matches shown. */
export function searchKey(s: Pick<FindState, 'open' | 'query' | 'wholeWord' | 'matchCase'>): string {
  return `${s.open}\u0000${s.query}\u0000${s.wholeWord}\u0000${s.matchCase}`;
}

const sameMatch = (a: TextMatch, b: TextMatch): boolean =>
  a.start === b.start && a.end === b.end && a.text === b.text;

/**
 * Matches grouped per segment, keeping the previous list (and its match objects) of every segment whose matches did
 * not change: a row re-renders only when its own hits move. Without this, each keystroke in a long transcript with
 * the find bar open gave every row with a hit a new list, and all of them re-rendered (~1,500 rows: 300 ms a key).
 */
export function groupMatches(
  found: readonly TextMatch[],
  previous: ReadonlyMap<string, readonly TextMatch[]>,
): { matches: readonly TextMatch[]; bySegment: ReadonlyMap<string, readonly TextMatch[]> } {
  const fresh = new Map<string, TextMatch[]>();
  for (const m of found) {
    const list = fresh.get(m.segmentId);
    if (list) list.push(m);
    else fresh.set(m.segmentId, [m]);
  }
  const bySegment = new Map<string, readonly TextMatch[]>();
  for (const [id, list] of fresh) {
    const old = previous.get(id);
    const same =
      old !== undefined && old.length === list.length && old.every((m, i) => sameMatch(m, list[i]!));
    bySegment.set(id, same ? old : list);
  }
  // reading order, with the kept objects: the active match is found by identity in the rows
  const matches = [...bySegment.values()].flat();
  return { matches, bySegment };
}

/** The find & replace bar's state and its current matches. */
export const useFindStore = create<FindState>()((set, get) => ({
  ...initial,
  show: () => set({ open: true, shown: get().shown + 1 }),
  hide: () =>
    set({ ...initial, replacement: get().replacement, wholeWord: get().wholeWord, shown: get().shown }),
  setQuery: (query) => set({ query, active: 0 }),
  setReplacement: (replacement) => set({ replacement }),
  setWholeWord: (wholeWord) => set({ wholeWord, active: 0 }),
  setMatchCase: (matchCase) => set({ matchCase, active: 0 }),
  refresh: (segments) => {
    const { open, query, wholeWord, matchCase, active } = get();
    // closed and already empty: nothing to tell the rows (this runs on every keystroke)
    if (!open && get().matches.length === 0) return;
    const found = open ? findMatches(segments, query, { wholeWord, matchCase }) : [];
    const { matches, bySegment } = groupMatches(found, get().bySegment);
    // after a replacement the match that was active is gone and the same index is the next one
    set({
      matches,
      bySegment,
      searched: searchKey(get()),
      active: matches.length === 0 ? 0 : Math.min(active, matches.length - 1),
    });
  },
  move: (delta) => {
    const n = get().matches.length;
    if (n > 0) set({ active: (get().active + delta + n) % n });
  },
}));

export const resetFindStore = (): void => useFindStore.setState(initial);
