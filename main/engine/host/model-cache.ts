/**
 * The worker keeps one model loaded between jobs: loading Voxtral's weights is the slow part of a job's start, and
 * a queue of files on the same model should pay it once. The key is the files' paths, sizes and mtimes, so a model
 * file replaced on disk is loaded again. Asking for another model releases the current one first (two resident
 * models would double the memory the plan counted).
 */
import { stat } from 'node:fs/promises';
import { RotorError } from '@common/errors';

export interface ModelFiles {
  modelPath: string;
  mmprojPath: string;
  threads?: number;
  /** Placement from the job's plan: another placement is another load (weights move between devices). */
  gpuLayers?: number;
  mmprojGpu?: boolean;
}

/** The fraction of a model load done, 0..1. */
export type LoadProgress = (fraction: number) => void;

export interface Disposable {
  dispose(): void;
}

export interface ResidentInfo {
  modelPath: string;
  mmprojPath: string;
  heldBytes: number;
}

interface Entry<M> {
  key: string;
  info: ResidentInfo;
  model: Promise<M>;
}

async function fileFacts(path: string, what: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch (error) {
    throw new RotorError('MODEL_NOT_FOUND', `The ${what} file does not exist: ${path}`, {
      detail: (error as NodeJS.ErrnoException).code,
      cause: error,
    });
  }
}

export class ModelCache<M extends Disposable> {
  private entry: Entry<M> | undefined;

  constructor(private readonly load: (files: ModelFiles, onProgress?: LoadProgress) => Promise<M>) {}

  /**
   * The resident model for these files: the cached one when the files are unchanged, else a fresh load, whose
   * fraction loaded (0..1) goes to `onProgress` (nothing is reported for a resident model).
   */
  async acquire(files: ModelFiles, onProgress?: LoadProgress): Promise<M> {
    const [m, p] = await Promise.all([
      fileFacts(files.modelPath, 'model'),
      fileFacts(files.mmprojPath, 'audio encoder (mmproj)'),
    ]);
    const key = JSON.stringify([
      files.modelPath,
      m,
      files.mmprojPath,
      p,
      files.threads ?? 0,
      files.gpuLayers ?? 0,
      files.mmprojGpu ?? null,
    ]);
    if (this.entry?.key === key) return this.entry.model;
    await this.release();
    // a fresh load says so at once: the first fraction from the runtime can take a while (reading the header)
    onProgress?.(0);
    const model = this.load(files, onProgress);
    const entry: Entry<M> = {
      key,
      info: { modelPath: files.modelPath, mmprojPath: files.mmprojPath, heldBytes: m.size + p.size },
      model,
    };
    this.entry = entry;
    // A failed load must not stay cached: the next job tries again.
    model.catch(() => {
      if (this.entry === entry) this.entry = undefined;
    });
    return model;
  }

  resident(): ResidentInfo | null {
    return this.entry ? { ...this.entry.info } : null;
  }

  async release(): Promise<void> {
    const entry = this.entry;
    this.entry = undefined;
    if (!entry) return;
    const model = await entry.model.catch(() => undefined);
    model?.dispose();
  }
}
