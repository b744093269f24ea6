import { create } from 'zustand';
import type { Segment } from '@common/transcript';
import {
  createEditorState,
  edit,
  redo,
  seal,
  undo,
  type EditCommand,
  type EditorState,
} from '@common/transcript-edit';
import type { TranscriptAdapter } from './adapter';
import { errorText } from './error-text';
import { useSelectionStore } from './selection-store';
import { formatTimestamp } from './timeline';

/** Autosave waits this long after the last edit, so a burst of typing is one save. */
export const AUTOSAVE_DELAY_MS = 1000;

export type SaveStatus =
  | { kind: 'saved' }
  /** Edited, save not started yet (debounce running). */
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'error'; reason: string };

export interface Notice {
  tone: 'info' | 'error';
  text: string;
}

interface TranscriptEditorState {
  transcriptId: string | null;
  adapter: TranscriptAdapter | null;
  editor: EditorState;
  /** `editor.segments`, lifted out so components select it directly. */
  segments: readonly Segment[];
  /** Bumped by every change; `savedVersion` is the one the last successful save wrote. */
  version: number;
  savedVersion: number;
  save: SaveStatus;
  /** The answer to the user's last action when it needs words (a refused split, a queued re-transcription). */
  notice: Notice | null;
  /** The segment ids in order: a new array only when segments are added or removed, so the list re-renders then. */
  ids: readonly string[];
  open: (transcriptId: string, segments: readonly Segment[], adapter: TranscriptAdapter) => void;
  setAdapter: (adapter: TranscriptAdapter) => void;
  close: () => Promise<void>;
  run: (command: EditCommand) => boolean;
  setText: (segmentId: string, text: string) => void;
  /** Ends the current typing run (blur): the next keystroke is a new undo step. */
  endTyping: () => void;
  undo: () => void;
  redo: () => void;
  /** Save now if anything is unsaved (blur, unload, before re-transcribing); resolves when it is written. */
  flush: () => Promise<void>;
  retranscribeSelection: () => Promise<void>;
  dismissNotice: () => void;
}

const initial = {
  transcriptId: null,
  adapter: null,
  editor: createEditorState([]),
  segments: [] as readonly Segment[],
  version: 0,
  savedVersion: 0,
  save: { kind: 'saved' } as SaveStatus,
  notice: null,
  ids: [] as readonly string[],
};

function sameIds(ids: readonly string[], segments: readonly Segment[]): boolean {
  if (ids.length !== segments.length) return false;
  for (let i = 0; i < ids.length; i++) if (ids[i] !== segments[i]?.id) return false;
  return true;
}

/** The open transcript's segments, its undo history and its autosave. One transcript is open at a time. */
export const useTranscriptEditorStore = create<TranscriptEditorState>()((set, get) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | null = null;

  const cancelTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const flush = async (): Promise<void> => {
    cancelTimer();
    // one save at a time, in order: a later one always carries the newer segments
    while (inFlight) await inFlight;
    const { adapter, transcriptId, segments, version, savedVersion } = get();
    if (!adapter || transcriptId === null || version === savedVersion) return;
    set({ save: { kind: 'saving' } });
    inFlight = adapter.save(transcriptId, segments).then(
      () => {
        if (get().transcriptId !== transcriptId) return;
        const upToDate = get().version === version;
        set({ savedVersion: version, save: upToDate ? { kind: 'saved' } : { kind: 'pending' } });
      },
      (error: unknown) => {
        if (get().transcriptId === transcriptId) set({ save: { kind: 'error', reason: errorText(error) } });
      },
    );
    try {
      await inFlight;
    } finally {
      inFlight = null;
    }
  };

  const schedule = () => {
    cancelTimer();
    timer = setTimeout(() => void flush(), AUTOSAVE_DELAY_MS);
  };

  const commit = (editor: EditorState) => {
    const { ids } = get();
    const nextIds = sameIds(ids, editor.segments) ? ids : editor.segments.map((s) => s.id);
    set({
      editor,
      segments: editor.segments,
      ids: nextIds,
      version: get().version + 1,
      save: get().save.kind === 'saving' ? get().save : { kind: 'pending' },
    });
    if (nextIds !== ids) useSelectionStore.getState().keepOnly(nextIds);
    schedule();
  };

  return {
    ...initial,
    open: (transcriptId, segments, adapter) => {
      const prev = get();
      cancelTimer();
      // the transcript being left still gets its last edits written
      if (prev.adapter && prev.transcriptId !== null && prev.version !== prev.savedVersion) {
        void prev.adapter.save(prev.transcriptId, prev.segments).catch(() => undefined);
      }
      useSelectionStore.getState().clear();
      set({
        ...initial,
        transcriptId,
        adapter,
        editor: createEditorState(segments),
        segments,
        ids: segments.map((s) => s.id),
      });
    },
    setAdapter: (adapter) => set({ adapter }),
    close: async () => {
      await flush();
      cancelTimer();
      set(initial);
    },
    run: (command) => {
      const outcome = edit(get().editor, command);
      if (!outcome.ok) {
        set({ notice: { tone: 'error', text: outcome.reason } });
        return false;
      }
      if (outcome.state !== get().editor) commit(outcome.state);
      if (command.kind !== 'setText' && get().notice) set({ notice: null });
      return true;
    },
    setText: (segmentId, text) => void get().run({ kind: 'setText', segmentId, text }),
    endTyping: () => set({ editor: seal(get().editor) }),
    undo: () => {
      const { editor } = get();
      if (editor.past.length > 0) commit(undo(editor));
      else set({ editor: seal(editor) });
    },
    redo: () => {
      const { editor } = get();
      if (editor.future.length > 0) commit(redo(editor));
    },
    flush,
    retranscribeSelection: async () => {
      const { adapter, transcriptId, segments } = get();
      const { selected } = useSelectionStore.getState();
      const picked = segments.filter((s) => selected.has(s.id));
      if (!adapter || transcriptId === null || picked.length === 0) return;
      const startSec = Math.min(...picked.map((s) => s.startSec));
      const endSec = Math.max(...picked.map((s) => s.endSec));
      const range = `${formatTimestamp(startSec)}–${formatTimestamp(endSec)}`;
      try {
        // the re-transcription replaces text from the saved copy: it must include the edits made so far
        await flush();
        if (get().save.kind === 'error') throw new Error('The latest edits could not be saved.');
        await adapter.retranscribe(transcriptId, startSec, endSec);
        set({ notice: { tone: 'info', text: `Re-transcription of ${range} queued.` } });
        useSelectionStore.getState().clear();
      } catch (error) {
        set({ notice: { tone: 'error', text: `Could not re-transcribe ${range}: ${errorText(error)}` } });
      }
    },
    dismissNotice: () => set({ notice: null }),
  };
});

export const resetTranscriptEditorStore = (): void => useTranscriptEditorStore.setState(initial);
