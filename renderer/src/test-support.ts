/**
 * jsdom test support: a fake window.api whose invoke/on are spies, and a reset of every store.
 * Feature tests import `installFakeApi` and `resetStores`.
 */
import { vi } from 'vitest';
import type { EventChannel, IpcResult, RendererApi } from '@common/ipc-contract';
import { resetAppStore } from './shell/app-store';
import { resetEngineStatusStore } from './features/engine-status/store';
import { resetLibraryStore } from './features/library/store';
import { resetLiveTextStore } from './features/queue/live-store';
import { resetQueueStore } from './features/queue/store';
import { resetSetupStore } from './features/setup/store';
import { resetTranscriptEditorStore } from './features/transcript/editor-store';
import { resetFindStore } from './features/transcript/find-store';
import { resetPlaybackStore } from './features/transcript/playback-store';
import { resetSelectionStore } from './features/transcript/selection-store';
import { resetTranscriptViewStore } from './features/transcript/view-store';

type Handler = (payload: unknown) => IpcResult<unknown> | Promise<IpcResult<unknown>>;

export function installFakeApi(handlers: Record<string, Handler> = {}) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const invoke = vi.fn(async (channel: string, payload?: unknown): Promise<IpcResult<unknown>> => {
    const h = handlers[channel];
    if (!h) return { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL', message: 'Unknown request.' } };
    return h(payload);
  });
  const registerDroppedFiles = vi.fn(async (files: readonly File[]) => {
    const h = handlers['files:registerDropped'];
    if (!h) return { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL', message: 'Unknown request.' } };
    return h({ paths: files.map((f) => `/fake/${f.name}`) });
  });
  const api = {
    invoke,
    registerDroppedFiles,
    on: vi.fn((event: string, listener: (payload: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    }),
  };
  Object.defineProperty(window, 'api', { value: api as unknown as RendererApi<File>, configurable: true });
  return {
    api,
    emit: (event: EventChannel, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload)),
    listenerCount: (event: EventChannel) => listeners.get(event)?.size ?? 0,
  };
}

export function removeFakeApi(): void {
  Object.defineProperty(window, 'api', { value: undefined, configurable: true });
}

export function resetStores(): void {
  resetAppStore();
  resetEngineStatusStore();
  resetLibraryStore();
  resetQueueStore();
  resetSetupStore();
  resetLiveTextStore();
  resetTranscriptViewStore();
  resetTranscriptEditorStore();
  resetPlaybackStore();
  resetFindStore();
  resetSelectionStore();
}
