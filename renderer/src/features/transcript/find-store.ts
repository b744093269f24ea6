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
  bySegment: new Map<string, readonly TextMatch[]>() as ReadonlyMap<string, readonly TextMatch[]>,
  shown: 0,
};

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
    const matches = open ? findMatches(segments, query, { wholeWord, matchCase }) : [];
    const bySegment = new Map<string, TextMatch[]>();
    for (const m of matches) {
      const list = bySegment.get(m.segmentId);
      if (list) list.push(m);
      else bySegment.set(m.segmentId, [m]);
    }
    // after a replacement the match that was active is gone and the same index is the next one
    set({ matches, bySegment, active: matches.length === 0 ? 0 : Math.min(active, matches.length - 1) });
  },
  move: (delta) => {
    const n = get().matches.length;
    if (n > 0) set({ active: (get().active + delta + n) % n });
  },
}));

export const resetFindStore = (): void => useFindStore.setState(initial);
