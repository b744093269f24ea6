/**
 * A queued job's checkpoint folder, `<userData>/jobs/<job id>`: where a resume finds its finished windows, what it
 * was started with (so a resume runs the same settings whatever the settings panel or free memory say now), and
 * its removal once the transcript is in the library.
 */
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import { deleteJobFolder } from '../../engine/checkpoints/delete-job';

export function jobDirFor(jobsDir: string, jobId: string): string {
  // ids are UUIDs from the queue; anything else must not become a path
  if (!/^[A-Za-z0-9-]{1,64}$/u.test(jobId))
    throw new RotorError('INTERNAL', 'Unexpected job id.', { detail: jobId });
  return path.join(jobsDir, jobId);
}

/**
 * Removes the job folder; a folder the job created but never wrote a manifest to is removed only when empty. Never
 * throws: a folder left behind costs disk space, not correctness. Returns what was left, if anything.
 */
export async function removeJobFolder(dir: string): Promise<string | null> {
  try {
    await deleteJobFolder(dir);
    return null;
  } catch (error) {
    if (error instanceof RotorError && error.detail === 'not_a_job_folder') {
      const empty = await rmdir(dir).then(
        () => true,
        () => false,
      );
      if (empty) return null;
    }
    return error instanceof Error ? error.message : String(error);
  }
}
