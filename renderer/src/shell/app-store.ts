import { create } from 'zustand';
import type { AppInfo, AppView } from '@common/ipc-contract';
import { invoke } from '../ipc';

/** Every view of the window: the menu's (AppView) plus the transcript, which needs a transcript to show. */
export type View = AppView | 'transcript' | 'record';

/** The transcript the Transcript view shows; `nonce` changes on every open so the same hit can seek again. */
export interface OpenTranscript {
  id: string;
  atSec?: number;
  nonce: number;
}

interface AppState {
  view: View;
  /** Kept when the user leaves the Transcript view, so the navigation can return to it. */
  transcript: OpenTranscript | null;
  info: AppInfo | null;
  navigate: (view: View) => void;
  /** Shows a transcript, at `atSec` when given (a search hit). */
  openTranscript: (id: string, atSec?: number) => void;
  /** The transcript is gone (deleted): the Transcript view has nothing to show. */
  closeTranscript: (id: string) => void;
  loadInfo: () => Promise<void>;
}

const initial = { view: 'transcribe' as View, transcript: null, info: null };

/** Navigation and app-wide facts. */
export const useAppStore = create<AppState>()((set, get) => ({
  ...initial,
  navigate: (view) => {
    if (view === 'transcript' && !get().transcript) return;
    set({ view });
  },
  openTranscript: (id, atSec) => {
    const nonce = (get().transcript?.nonce ?? 0) + 1;
    set({ view: 'transcript', transcript: atSec === undefined ? { id, nonce } : { id, atSec, nonce } });
  },
  closeTranscript: (id) => {
    if (get().transcript?.id !== id) return;
    set({ transcript: null, view: get().view === 'transcript' ? 'library' : get().view });
  },
  loadInfo: async () => {
    try {
      set({ info: await invoke('app:getInfo') });
    } catch {
      // informational only; the shell works without it
    }
  },
}));

export const resetAppStore = (): void => useAppStore.setState(initial);
