/** What the job service tells its clients (the coordinator maps these onto IPC events). No paths in any of them. */
import type { ErrorPayload } from '@common/errors';
import type { JobWindowEvent } from '@common/library-schema';
import type { QueueJob } from '../../library/db';

export type { QueueJob };

/**
 * One window's text as soon as it is decoded, or restored from the job folder when a job resumes ('flagged' = worth a
 * second look: loop, output cap).
 */
export type WindowText = JobWindowEvent;

export interface JobWarning {
  jobId: string;
  code: string;
  message: string;
  /** ms since epoch */
  at: number;
}

/**
 * Whether jobs can run. Not ready: files are still added and probed, jobs wait in the queue, and the UI shows the
 * hint as its empty state ('no_model': nothing configured; 'model_not_found': configured files are gone;
 * 'engine_failed': the engine worker kept crashing and was given up).
 */
export type JobServiceStatus =
  /** `model`: the model file's name (no folder) a runtime engine transcribes with, for the window to show. */
  | { ready: true; engine: 'runtime' | 'echo'; model?: string }
  | { ready: false; reason: 'no_model' | 'model_not_found' | 'engine_failed'; hint: string; detail?: string };

export interface AddResult {
  /** The new queue entries, in queue order (state 'probing' until the engine has looked at each file). */
  added: QueueJob[];
  /** File names (no folders) of dropped paths that were not there. */
  missing: string[];
  /** Names of dropped folders with no audio or video file inside. */
  emptyFolders: string[];
  /** File names (no folders) not queued again: a job for the same file still waits or runs. */
  alreadyQueued: string[];
  /** A cap on depth or count stopped the folder walk early. */
  truncated: boolean;
}

export type { ErrorPayload };
