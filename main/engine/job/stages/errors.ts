/**
 * The job's errors, worded for any client (the app shows them as they are): hints speak of resuming or starting a
 * job over, never of command-line flags. A client that wants its own wording (the CLI adds its flags) reads the
 * structured reason from `detail`.
 */
import { RotorError } from '@common/errors';

/** Why a saved job cannot be continued as asked; carried in `RotorError.detail` of CHECKPOINT_MISMATCH. */
export type CheckpointMismatchReason =
  /** Same audio, but other settings, model or cache type (the message names each change, old → new). */
  | 'settings_changed'
  /** The folder holds a job for another recording. */
  | 'other_input'
  /** An unfinished job is there and the client asked not to touch existing jobs. */
  | 'unfinished'
  /** Replaying the audio did not give the saved windows again (decoder or file changed). */
  | 'decodes_differently';

const REASONS: readonly CheckpointMismatchReason[] = [
  'settings_changed',
  'other_input',
  'unfinished',
  'decodes_differently',
];

export function mismatchError(reason: CheckpointMismatchReason, message: string, hint: string): RotorError {
  return new RotorError('CHECKPOINT_MISMATCH', message, { hint, detail: reason });
}

/** The reason of a CHECKPOINT_MISMATCH error (also after it crossed a process boundary as a payload). */
export function checkpointMismatchReason(
  error: { code?: unknown; detail?: unknown } | null | undefined,
): CheckpointMismatchReason | null {
  if (!error || error.code !== 'CHECKPOINT_MISMATCH') return null;
  const detail = error.detail;
  return REASONS.find((r) => r === detail) ?? null;
}

export const START_OVER_HINT = 'Start the job over (its saved progress is discarded).';

export function cancelledError(finishedWindows: number): RotorError {
  return new RotorError(
    'CANCELLED',
    `The job was cancelled; ${finishedWindows} finished window(s) are saved.`,
    { hint: 'Resume the job to continue where it stopped.' },
  );
}
