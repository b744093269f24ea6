/**
 * A file dropped again while its first drop still waits or runs is not queued twice: two jobs would transcribe the
 * same audio into two transcripts, and the second waits behind the first for nothing. A file whose job is done,
 * failed or cancelled can be queued again (a new transcript, or another try).
 */
import type { JobState } from '../../library/db';

const ACTIVE: ReadonlySet<JobState> = new Set<JobState>(['queued', 'probing', 'running', 'paused']);

export interface QueuedSource {
  kind: string;
  state: JobState;
  sourcePath: string;
}

/** The files to queue, and the names of those skipped because a file job for the same path is still active. */
export function withoutQueued<F extends { path: string }>(
  files: readonly F[],
  jobs: readonly QueuedSource[],
): { files: F[]; skipped: string[] } {
  const active = new Set(
    jobs.filter((j) => j.kind === 'file' && ACTIVE.has(j.state)).map((j) => j.sourcePath),
  );
  const out: { files: F[]; skipped: string[] } = { files: [], skipped: [] };
  for (const f of files) {
    if (active.has(f.path)) out.skipped.push(f.path);
    else out.files.push(f);
  }
  return out;
}
