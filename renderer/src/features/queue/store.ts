import { create } from 'zustand';
import type { FileRef } from '../../../../common/ipc-contract';
import { describeError, invoke, on, registerDroppedFiles } from '../../ipc';

interface QueueState {
  files: FileRef[];
  busy: boolean;
  error: ReturnType<typeof describeError> | null;
  add: (files: readonly FileRef[]) => void;
  remove: (token: string) => void;
  chooseFiles: () => Promise<void>;
  dropFiles: (files: readonly File[]) => Promise<void>;
  listen: () => () => void;
}

const initial = { files: [] as FileRef[], busy: false, error: null };

/** Files waiting to be transcribed, held as main-issued tokens. */
export const useQueueStore = create<QueueState>()((set, get) => {
  const run = async (work: () => Promise<{ files: FileRef[] }>): Promise<void> => {
    set({ busy: true, error: null });
    try {
      get().add((await work()).files);
    } catch (error) {
      set({ error: describeError(error) });
    } finally {
      set({ busy: false });
    }
  };
  return {
    ...initial,
    add: (files) => {
      const known = new Set(get().files.map((f) => f.token));
      set({ files: [...get().files, ...files.filter((f) => !known.has(f.token))] });
    },
    remove: (token) => set({ files: get().files.filter((f) => f.token !== token) }),
    chooseFiles: () => run(() => invoke('dialog:openAudioFiles')),
    dropFiles: (files) => run(() => registerDroppedFiles(files)),
    listen: () => on('files:added', ({ files }) => get().add(files)),
  };
});

export const resetQueueStore = (): void => useQueueStore.setState(initial);
