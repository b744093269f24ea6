import { create } from 'zustand';
import type { AppInfo, AppView } from '../../../common/ipc-contract';
import { invoke } from '../ipc';

interface AppState {
  view: AppView;
  info: AppInfo | null;
  navigate: (view: AppView) => void;
  loadInfo: () => Promise<void>;
}

const initial = { view: 'library' as AppView, info: null };

/** Navigation and app-wide facts. */
export const useAppStore = create<AppState>()((set) => ({
  ...initial,
  navigate: (view) => set({ view }),
  loadInfo: async () => {
    try {
      set({ info: await invoke('app:getInfo') });
    } catch {
      // informational only; the shell works without it
    }
  },
}));

export const resetAppStore = (): void => useAppStore.setState(initial);
