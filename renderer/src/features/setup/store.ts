import { create } from 'zustand';
import type { ModelDownloadAction, ModelsState } from '@common/models-schema';
import { describeError, invoke, on } from '../../ipc';

type ErrorText = ReturnType<typeof describeError>;

interface SetupState {
  /** Main's view of the catalog, the active model and the download; null until main answered once. */
  models: ModelsState | null;
  /** The entry the picker has selected (the recommendation until the user picks another). */
  selected: string | null;
  /** Exact sizes from the endpoint's metadata, by catalog id, once asked for. */
  sizes: Record<string, number>;
  busy: boolean;
  error: ErrorText | null;
  load: () => Promise<void>;
  select: (id: string) => void;
  download: (id: string) => Promise<void>;
  control: (action: ModelDownloadAction) => Promise<void>;
  use: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  reveal: (id: string) => Promise<void>;
  importFiles: () => Promise<void>;
  dismissError: () => void;
  listen: () => () => void;
}

const initial = { models: null, selected: null, sizes: {}, busy: false, error: null };

/** The model manager as main reports it; the renderer never owns download state, it shows main's snapshots. */
export const useSetupStore = create<SetupState>()((set, get) => {
  const apply = (models: ModelsState): void => {
    const selected =
      get().selected ?? models.download?.id ?? models.recommended?.id ?? models.variants[0]?.id ?? null;
    set({ models, selected });
    if (selected) void fetchSize(selected);
  };

  async function fetchSize(id: string): Promise<void> {
    if (get().sizes[id] !== undefined) return;
    try {
      const r = await invoke('models:resolve', { id });
      set({ sizes: { ...get().sizes, [id]: r.modelBytes + r.mmprojBytes } });
    } catch {
      // offline or the endpoint is down: the approximate size stays, the download says what is wrong
    }
  }

  const run = async (work: () => Promise<ModelsState | null>): Promise<void> => {
    set({ busy: true, error: null });
    try {
      const next = await work();
      if (next) apply(next);
    } catch (error) {
      set({ error: describeError(error) });
    } finally {
      set({ busy: false });
    }
  };

  return {
    ...initial,
    load: () => run(() => invoke('models:get')),
    select: (id) => {
      set({ selected: id });
      void fetchSize(id);
    },
    download: (id) => run(() => invoke('models:download', { id })),
    control: (action) => run(() => invoke('models:control', { action })),
    use: (id) => run(() => invoke('models:use', { id })),
    remove: (id) => run(() => invoke('models:delete', { id })),
    // opens a file manager window: nothing to wait for, so the other buttons stay usable
    reveal: async (id) => {
      try {
        await invoke('models:reveal', { id });
      } catch (error) {
        set({ error: describeError(error) });
      }
    },
    importFiles: () => run(() => invoke('models:import')),
    dismissError: () => set({ error: null }),
    listen: () => on('models:changed', apply),
  };
});

export const resetSetupStore = (): void => useSetupStore.setState(initial);
