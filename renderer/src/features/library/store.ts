import { create } from 'zustand';
import type { ListSort, SearchHit, TranscriptSummary } from '@common/library-schema';
import { describeError, invoke, on } from '../../ipc';

/** Typing pauses this long before the library is searched. */
export const SEARCH_DEBOUNCE_MS = 200;
/** How long the "Undo" of a delete stays offered. */
export const UNDO_MS = 10_000;
/** Transcripts listed at once (the contract's page maximum). */
export const LIST_LIMIT = 500;
export const RECENT_LIMIT = 12;

type ErrorText = ReturnType<typeof describeError>;
export type SortDirection = 'asc' | 'desc';

interface LibraryState {
  items: readonly TranscriptSummary[];
  total: number;
  /** The newest transcripts, for the sidebar (independent of the list's sort). */
  recent: readonly TranscriptSummary[];
  sort: ListSort;
  direction: SortDirection;
  loading: boolean;
  error: ErrorText | null;
  query: string;
  /** Hits for `searchedFor`; null while no search has answered for the current query. */
  hits: readonly SearchHit[] | null;
  searchedFor: string;
  searching: boolean;
  /** The last deleted transcript, while its Undo is offered. */
  deleted: TranscriptSummary | null;
  load: () => Promise<void>;
  setSort: (sort: ListSort) => Promise<void>;
  setQuery: (query: string) => void;
  rename: (id: string, title: string) => Promise<boolean>;
  remove: (id: string) => Promise<boolean>;
  undoDelete: () => Promise<void>;
  dismissDeleted: () => void;
  dismissError: () => void;
  listen: () => () => void;
}

const initial = {
  items: [] as readonly TranscriptSummary[],
  total: 0,
  recent: [] as readonly TranscriptSummary[],
  sort: 'created' as ListSort,
  direction: 'desc' as SortDirection,
  loading: false,
  error: null,
  query: '',
  hits: null,
  searchedFor: '',
  searching: false,
  deleted: null,
};

/** A sort's natural first direction: newest and longest first, titles A→Z. */
const firstDirection = (sort: ListSort): SortDirection => (sort === 'title' ? 'asc' : 'desc');

let searchTimer: ReturnType<typeof setTimeout> | undefined;
let undoTimer: ReturnType<typeof setTimeout> | undefined;

/** The library: transcripts listed and sorted, searched, renamed, deleted with undo. Main owns the data. */
export const useLibraryStore = create<LibraryState>()((set, get) => {
  let listRequest = 0;
  let searchRequest = 0;

  const fail = (error: unknown) => set({ error: describeError(error) });

  const search = async (query: string): Promise<void> => {
    const id = ++searchRequest;
    set({ searching: true });
    try {
      const { hits } = await invoke('library:search', { query, limit: 100 });
      // a slow answer for an older query never replaces a newer one
      if (id === searchRequest) set({ hits, searchedFor: query, searching: false });
    } catch (error) {
      if (id === searchRequest) set({ searching: false, hits: [], searchedFor: query });
      fail(error);
    }
  };

  const load = async (): Promise<void> => {
    const id = ++listRequest;
    const { sort, direction } = get();
    set({ loading: true });
    try {
      const [list, recent] = await Promise.all([
        invoke('library:list', { sort, direction, limit: LIST_LIMIT }),
        invoke('library:list', { sort: 'created', direction: 'desc', limit: RECENT_LIMIT }),
      ]);
      if (id === listRequest)
        set({ items: list.items, total: list.total, recent: recent.items, loading: false });
    } catch (error) {
      if (id === listRequest) set({ loading: false });
      fail(error);
    }
  };

  const clearUndo = () => {
    if (undoTimer !== undefined) clearTimeout(undoTimer);
    undoTimer = undefined;
  };

  return {
    ...initial,
    load,
    setSort: (sort) => {
      const { sort: was, direction } = get();
      set({ sort, direction: sort === was ? (direction === 'asc' ? 'desc' : 'asc') : firstDirection(sort) });
      return load();
    },
    setQuery: (query) => {
      if (searchTimer !== undefined) clearTimeout(searchTimer);
      searchTimer = undefined;
      set({ query });
      const trimmed = query.trim();
      if (trimmed === '') {
        searchRequest++;
        set({ hits: null, searchedFor: '', searching: false });
        return;
      }
      searchTimer = setTimeout(() => void search(trimmed), SEARCH_DEBOUNCE_MS);
    },
    rename: async (id, title) => {
      try {
        const summary = await invoke('library:rename', { id, title });
        const swap = (list: readonly TranscriptSummary[]) => list.map((t) => (t.id === id ? summary : t));
        set({ items: swap(get().items), recent: swap(get().recent), error: null });
        return true;
      } catch (error) {
        fail(error);
        return false;
      }
    },
    remove: async (id) => {
      const summary = get().items.find((t) => t.id === id) ?? get().recent.find((t) => t.id === id);
      try {
        await invoke('library:delete', { id });
      } catch (error) {
        fail(error);
        return false;
      }
      clearUndo();
      const drop = (list: readonly TranscriptSummary[]) => list.filter((t) => t.id !== id);
      set({
        items: drop(get().items),
        recent: drop(get().recent),
        total: Math.max(0, get().total - 1),
        hits: get().hits?.filter((h) => h.transcriptId !== id) ?? null,
        deleted: summary ?? null,
        error: null,
      });
      undoTimer = setTimeout(() => get().dismissDeleted(), UNDO_MS);
      return true;
    },
    undoDelete: async () => {
      const { deleted } = get();
      if (!deleted) return;
      clearUndo();
      set({ deleted: null });
      try {
        await invoke('library:restore', { id: deleted.id });
        await load();
        if (get().query.trim()) await search(get().query.trim());
      } catch (error) {
        fail(error);
      }
    },
    dismissDeleted: () => {
      clearUndo();
      set({ deleted: null });
    },
    dismissError: () => set({ error: null }),
    listen: () =>
      on('library:changed', () => {
        void load();
      }),
  };
});

export const resetLibraryStore = (): void => {
  if (searchTimer !== undefined) clearTimeout(searchTimer);
  if (undoTimer !== undefined) clearTimeout(undoTimer);
  searchTimer = undefined;
  undoTimer = undefined;
  useLibraryStore.setState(initial);
};
