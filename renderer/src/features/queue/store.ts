import { create } from 'zustand';
import type { FileRef, SkippedFile } from '@common/ipc-contract';
import type { QueueAction, QueueJob, QueueSnapshot, QueueStatus } from '@common/library-schema';
import { describeError, invoke, on, registerDroppedFiles } from '../../ipc';
import { notAddedText, notQueuedAgain, sameJob } from './job-view';

type ErrorText = ReturnType<typeof describeError>;

interface QueueState {
  /** In queue order (position). */
  jobs: readonly QueueJob[];
  /** null until main answered once. */
  status: QueueStatus | null;
  /** Picking, registering or adding files. */
  busy: boolean;
  error: ErrorText | null;
  /** What an add did that the rows do not show (files already in the queue); dismissable. */
  notice: string | null;
  /** Files are being dragged over the window: the drop zone shows it is a target. */
  dragging: boolean;
  setDragging: (dragging: boolean) => void;
  load: () => Promise<void>;
  /** Takes main's snapshot; unchanged jobs keep their object, so their rows do not re-render. */
  apply: (snapshot: QueueSnapshot) => void;
  chooseFiles: () => Promise<void>;
  chooseFolder: () => Promise<void>;
  dropFiles: (files: readonly File[]) => Promise<void>;
  /** Queues files main registered already (menu File → Add files…). */
  addFiles: (files: readonly FileRef[], skipped?: readonly SkippedFile[] | undefined) => Promise<void>;
  control: (id: string, action: QueueAction) => Promise<void>;
  move: (id: string, index: number) => Promise<void>;
  dismissError: () => void;
  dismissNotice: () => void;
  /** Subscribes to queue snapshots and menu-added files; returns the unsubscribe. */
  listen: () => () => void;
}

const initial = {
  jobs: [] as readonly QueueJob[],
  status: null,
  busy: false,
  error: null,
  notice: null,
  dragging: false,
};

/** The persistent job queue as main reports it: the renderer never owns queue state, it shows main's snapshots. */
export const useQueueStore = create<QueueState>()((set, get) => {
  const apply = (snapshot: QueueSnapshot) => {
    const before = new Map(get().jobs.map((j) => [j.id, j]));
    const jobs = [...snapshot.jobs]
      .sort((a, b) => a.position - b.position)
      .map((job) => {
        const old = before.get(job.id);
        return old && sameJob(old, job) ? old : job;
      });
    const prev = get().jobs;
    const unchanged = jobs.length === prev.length && jobs.every((j, i) => j === prev[i]);
    set(unchanged ? { status: snapshot.status } : { jobs, status: snapshot.status });
  };

  const run = async (work: () => Promise<QueueSnapshot | null>): Promise<void> => {
    set({ error: null });
    try {
      const snapshot = await work();
      if (snapshot) apply(snapshot);
    } catch (error) {
      set({ error: describeError(error) });
    }
  };

  /** Registered files → queued jobs; an empty pick (cancelled dialog) asks nothing more of main. */
  const addFrom = async (
    pick: () => Promise<{ files: FileRef[]; skipped?: readonly SkippedFile[] | undefined }>,
  ): Promise<void> => {
    set({ busy: true });
    try {
      set({ notice: null });
      await run(async () => {
        const { files, skipped = [] } = await pick();
        // files that were gone are named even when the others are added (or already queued)
        const missing = notAddedText(skipped);
        if (files.length === 0) {
          set({ notice: missing });
          return null;
        }
        const known = new Set(get().jobs.map((j) => j.id));
        const snapshot = await invoke('queue:add', { tokens: files.map((f) => f.token) });
        const added = snapshot.jobs.filter((j) => !known.has(j.id)).length;
        const notes = [missing, notQueuedAgain(files, added)].filter((n): n is string => n !== null);
        set({ notice: notes.length > 0 ? notes.join(' ') : null });
        return snapshot;
      });
    } finally {
      set({ busy: false });
    }
  };

  return {
    ...initial,
    setDragging: (dragging) => {
      if (dragging !== get().dragging) set({ dragging });
    },
    load: () => run(() => invoke('queue:get')),
    apply,
    chooseFiles: () => addFrom(() => invoke('dialog:openAudioFiles')),
    chooseFolder: () => addFrom(() => invoke('dialog:openFolder')),
    dropFiles: (files) => addFrom(() => registerDroppedFiles(files)),
    addFiles: (files, skipped = []) => addFrom(async () => ({ files: [...files], skipped })),
    control: (id, action) => run(() => invoke('queue:control', { id, action })),
    move: (id, index) => run(() => invoke('queue:move', { id, index })),
    dismissError: () => set({ error: null }),
    dismissNotice: () => set({ notice: null }),
    listen: () => {
      const offQueue = on('queue:changed', (snapshot) => get().apply(snapshot));
      const offFiles = on('files:added', ({ files, skipped }) => void get().addFiles(files, skipped));
      return () => {
        offQueue();
        offFiles();
      };
    },
  };
});

export const resetQueueStore = (): void => useQueueStore.setState(initial);
