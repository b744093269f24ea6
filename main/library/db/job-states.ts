/** The life of a queued file. Pure: the queue enforces it on every state change. */
import type { JobState } from '@common/library-schema';

export type { JobState };

export const JOB_STATES: readonly JobState[] = [
  'queued',
  'probing',
  'running',
  'paused',
  'done',
  'failed',
  'cancelled',
];

const NEXT: Record<JobState, readonly JobState[]> = {
  queued: ['probing', 'running', 'paused', 'cancelled', 'failed'],
  // probing → queued: the file is fine and waits for the engine
  probing: ['queued', 'running', 'failed', 'cancelled'],
  // running → queued: handed back (engine restart, app quit); it resumes from its checkpoint folder
  running: ['paused', 'done', 'failed', 'cancelled', 'queued'],
  paused: ['queued', 'running', 'cancelled'],
  done: [],
  failed: ['queued'],
  cancelled: ['queued'],
};

export function canMove(from: JobState, to: JobState): boolean {
  return from === to || NEXT[from].includes(to);
}

/** States a job can be removed from the queue in: anything the engine is not working on right now. */
export function isRemovable(state: JobState): boolean {
  return state !== 'running' && state !== 'probing';
}

/** States that `retry` sends back to the queue. */
export function isRetryable(state: JobState): boolean {
  return state === 'failed' || state === 'cancelled';
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}
