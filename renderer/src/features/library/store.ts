import { create } from 'zustand';

/** A transcript in the library, as the sidebar lists it (the library feature fills this from main/library). */
export interface LibraryEntry {
  id: string;
  title: string;
  createdAt: string;
  durationSec: number;
}

interface LibraryState {
  entries: LibraryEntry[];
  selectedId: string | null;
  select: (id: string | null) => void;
}

const initial = { entries: [] as LibraryEntry[], selectedId: null };

export const useLibraryStore = create<LibraryState>()((set) => ({
  ...initial,
  select: (selectedId) => set({ selectedId }),
}));

export const resetLibraryStore = (): void => useLibraryStore.setState(initial);
