import { create } from 'zustand';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type StoredTranscript,
  type TranscriptSummary,
} from '@common/library-schema';
import type { QueueSnapshot } from '@common/library-schema';
import { describeError, invoke, on } from '../../ipc';

type ErrorText = ReturnType<typeof describeError>;

export interface ExportNotice {
  tone: 'info' | 'error';
  text: string;
}

export const EXPORT_LABELS: Record<ExportFormat, string> = {
  txt: 'Plain text (.txt)',
  srt: 'SubRip subtitles (.srt)',
  vtt: 'WebVTT subtitles (.vtt)',
  json: 'JSON (.json)',
  md: 'Markdown (.md)',
  docx: 'Word document (.docx)',
};
export { EXPORT_FORMATS };

interface TranscriptViewState {
  /** The transcript asked for; `stored` is its data once loaded. */
  id: string | null;
  stored: StoredTranscript | null;
  loading: boolean;
  error: ErrorText | null;
  exporting: boolean;
  exportNotice: ExportNotice | null;
  /** Bumped when the transcript changed under the editor (a re-transcribed range landed): the editor reloads. */
  revision: number;
  /** Re-transcription jobs queued from this view, by job id. */
  retranscribing: readonly string[];
  load: (id: string) => Promise<void>;
  /** Queues a re-transcription of a time range; the new text replaces that range when the job is done. */
  retranscribe: (id: string, startSec: number, endSec: number) => Promise<void>;
  /** Follows the queue: a finished re-transcription of the open transcript reloads it. */
  listen: () => () => void;
  refresh: (id: string) => Promise<void>;
  rename: (title: string) => Promise<boolean>;
  exportAs: (format: ExportFormat) => Promise<void>;
  /** main's summary after a save (segment and flag counts change with edits). */
  setSummary: (summary: TranscriptSummary) => void;
  dismissExportNotice: () => void;
}

const initial = {
  id: null,
  stored: null,
  loading: false,
  error: null,
  exporting: false,
  exportNotice: null,
  revision: 0,
  retranscribing: [] as readonly string[],
};

/** The Transcript view's data: the stored transcript from the library, its title, its exports. */
export const useTranscriptViewStore = create<TranscriptViewState>()((set, get) => ({
  ...initial,
  load: async (id) => {
    // never show a copy from before: edits saved since then would be missing, and the next save would drop them
    set({ id, loading: true, error: null, exportNotice: null, stored: null });
    try {
      const stored = await invoke('library:get', { id });
      if (get().id === id) set({ stored, loading: false });
    } catch (error) {
      if (get().id === id) set({ error: describeError(error), loading: false });
    }
  },
  rename: async (title) => {
    const { stored } = get();
    if (!stored) return false;
    try {
      const summary = await invoke('library:rename', { id: stored.summary.id, title });
      get().setSummary(summary);
      return true;
    } catch (error) {
      set({ exportNotice: { tone: 'error', text: `Could not rename: ${describeError(error).message}` } });
      return false;
    }
  },
  exportAs: async (format) => {
    const { stored } = get();
    if (!stored) return;
    set({ exporting: true, exportNotice: null });
    try {
      const { saved, name } = await invoke('library:export', { id: stored.summary.id, format });
      set({ exportNotice: saved ? { tone: 'info', text: `Saved as ${name ?? 'the chosen file'}` } : null });
    } catch (error) {
      const e = describeError(error);
      set({
        exportNotice: { tone: 'error', text: `Export failed: ${e.message}${e.hint ? ` ${e.hint}` : ''}` },
      });
    } finally {
      set({ exporting: false });
    }
  },
  setSummary: (summary) => {
    const { stored } = get();
    if (!stored || stored.summary.id !== summary.id) return;
    set({ stored: { ...stored, summary } });
  },
  dismissExportNotice: () => set({ exportNotice: null }),
  retranscribe: async (id, startSec, endSec) => {
    const { job } = await invoke('library:retranscribe', { id, startSec, endSec });
    set({
      retranscribing: [...get().retranscribing, job.id],
      exportNotice: {
        tone: 'info',
        text: 'Re-transcription queued: the new text replaces the selection when it is done.',
      },
    });
  },
  listen: () =>
    on('queue:changed', (snapshot: QueueSnapshot) => {
      const { retranscribing, id } = get();
      if (retranscribing.length === 0) return;
      const ended = snapshot.jobs.filter(
        (j) =>
          retranscribing.includes(j.id) &&
          (j.state === 'done' || j.state === 'failed' || j.state === 'cancelled'),
      );
      if (ended.length === 0) return;
      const gone = new Set(ended.map((j) => j.id));
      set({ retranscribing: retranscribing.filter((j) => !gone.has(j)) });
      const failed = ended.find((j) => j.state === 'failed');
      if (failed?.error) {
        set({
          exportNotice: {
            tone: 'error',
            text: `Re-transcription failed: ${failed.error.message}${failed.error.hint ? ` ${failed.error.hint}` : ''}`,
          },
        });
      }
      if (id && ended.some((j) => j.state === 'done' && j.transcriptId === id)) void get().refresh(id);
    }),
  refresh: async (id) => {
    try {
      const stored = await invoke('library:get', { id });
      if (get().id === id)
        set({
          stored,
          revision: get().revision + 1,
          exportNotice: { tone: 'info', text: 'The re-transcribed range is in.' },
        });
    } catch (error) {
      if (get().id === id) set({ error: describeError(error) });
    }
  },
}));

export const resetTranscriptViewStore = (): void => useTranscriptViewStore.setState(initial);
