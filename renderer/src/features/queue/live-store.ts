import { create } from 'zustand';
import type { JobWindowEvent } from '@common/library-schema';
import { on } from '../../ipc';

/** Jobs whose live text is kept; older ones are dropped (their text is in the library once they finish). */
export const KEPT_JOBS = 4;

interface LiveTextState {
  /** Per job, its windows in time order. */
  byJob: Readonly<Record<string, readonly JobWindowEvent[]>>;
  /** The job that sent a window last: what the live text shows when nothing runs. */
  lastJobId: string | null;
  add: (window: JobWindowEvent) => void;
  forget: (jobId: string) => void;
  listen: () => () => void;
}

const initial = { byJob: {}, lastJobId: null };

const before = (a: JobWindowEvent, b: JobWindowEvent) =>
  a.startSec < b.startSec || (a.startSec === b.startSec && a.index < b.index);

/**
 * `windows` with `w` in time order; a window sent again (retried, restored after a restart) replaces its old text.
 * Windows mostly arrive in order, so the search starts from the end.
 */
export function insertWindow(windows: readonly JobWindowEvent[], w: JobWindowEvent): JobWindowEvent[] {
  const same = windows.findIndex((x) => x.windowId === w.windowId);
  const rest = same === -1 ? [...windows] : windows.filter((_, i) => i !== same);
  let at = rest.length;
  while (at > 0 && before(w, rest[at - 1] as JobWindowEvent)) at--;
  rest.splice(at, 0, w);
  return rest;
}

/** Live text of running jobs, from `job:window` events: one store update per event. */
export const useLiveTextStore = create<LiveTextState>()((set, get) => ({
  ...initial,
  add: (w) => {
    const { byJob } = get();
    const next: Record<string, readonly JobWindowEvent[]> = {
      ...byJob,
      [w.jobId]: insertWindow(byJob[w.jobId] ?? [], w),
    };
    const jobs = Object.keys(next);
    // a job's key keeps its first insertion place: the oldest jobs come first
    for (const old of jobs.slice(0, Math.max(0, jobs.length - KEPT_JOBS))) {
      if (old !== w.jobId) delete next[old];
    }
    set({ byJob: next, lastJobId: w.jobId });
  },
  forget: (jobId) => {
    const { byJob, lastJobId } = get();
    if (!(jobId in byJob)) return;
    const next = { ...byJob };
    delete next[jobId];
    set({ byJob: next, lastJobId: lastJobId === jobId ? null : lastJobId });
  },
  listen: () => on('job:window', (w) => get().add(w)),
}));

export const resetLiveTextStore = (): void => useLiveTextStore.setState(initial);
