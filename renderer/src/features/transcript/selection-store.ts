import { create } from 'zustand';

interface SelectionState {
  /** Segments ticked for re-transcription. Its own store: rows watch it without watching every keystroke. */
  selected: ReadonlySet<string>;
  toggle: (segmentId: string) => void;
  clear: () => void;
  /** Drop ids that no longer exist (a merge removed them). */
  keepOnly: (ids: readonly string[]) => void;
}

const initial = { selected: new Set<string>() as ReadonlySet<string> };

export const useSelectionStore = create<SelectionState>()((set, get) => ({
  ...initial,
  toggle: (segmentId) => {
    const next = new Set(get().selected);
    if (!next.delete(segmentId)) next.add(segmentId);
    set({ selected: next });
  },
  clear: () => set({ selected: new Set() }),
  keepOnly: (ids) => {
    const { selected } = get();
    if (selected.size === 0) return;
    const present = new Set(ids);
    const kept = [...selected].filter((id) => present.has(id));
    if (kept.length !== selected.size) set({ selected: new Set(kept) });
  },
}));

export const resetSelectionStore = (): void => useSelectionStore.setState(initial);
