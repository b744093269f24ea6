/**
 * A failed job's error as the queue keeps and shows it (pure): a message and a hint for the user, no detail, names and
 * never paths, said once (the row names the file), and a hint the queue can act on.
 */
import path from 'node:path';
import { toErrorPayload, type ErrorCode, type ErrorPayload, type RotorError } from '@common/errors';
import { scrubPaths, withoutName } from './scrub-paths';

/** Hints for job failures whose errors come without one (the planner's, the app's own). */
const FALLBACK_HINTS: Partial<Record<ErrorCode, string>> = {
  OUT_OF_MEMORY: 'Choose a smaller model, a compressed KV cache or shorter windows in Settings, then retry.',
  INTERNAL: 'Retry the file; if it fails again, report it with the log.',
};

/**
 * Hints that say what to do with the row's own buttons, in place of the engine's (written for the command line:
 * "Check the path, or locate the file again." left a queue user with nothing to press).
 */
const QUEUE_HINTS: Partial<Record<ErrorCode, string>> = {
  FILE_NOT_FOUND:
    'Put the file back (or reconnect its drive) and press Retry, or Remove this row and add the file from where it is now.',
};

export function jobError(
  error: RotorError,
  job: { sourcePath: string; jobDir?: string | null | undefined },
): ErrorPayload {
  const p = toErrorPayload(error);
  const known = [job.sourcePath, ...(job.jobDir ? [job.jobDir] : [])];
  const hint = QUEUE_HINTS[p.code] ?? p.hint ?? FALLBACK_HINTS[p.code];
  // the row names the file: the message says what happened and the hint what to do, without naming it again
  const name = path.basename(job.sourcePath);
  return {
    code: p.code,
    message: withoutName(scrubPaths(p.message, known), name),
    ...(hint ? { hint: withoutName(scrubPaths(hint, known), name) } : {}),
  };
}
