/**
 * Deleting a job folder for a client that cleans up after exporting. The folder is chosen by the client, so a wrong
 * path must not take the user's files with it: only a folder that holds a valid job manifest and nothing but the
 * job's own files is removed.
 */
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RotorError } from '@common/errors';
import { CheckpointStore, LOG_FILE, MANIFEST_FILE } from './store';

const OWN_FILE = new RegExp(`^(?:${MANIFEST_FILE}|${LOG_FILE})(?:\\.\\d+\\.tmp)?$`, 'u');

/** Removes the job folder; false when there is nothing at `dir`. Refuses anything that is not a job folder. */
export async function deleteJobFolder(dir: string): Promise<boolean> {
  let info;
  try {
    info = await lstat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new RotorError('FILE_UNREADABLE', `The job folder cannot be read: ${dir}`, { cause: error });
  }
  const refuse = (why: string): never => {
    throw new RotorError('INVALID_ARGUMENT', `Not deleting ${dir}: ${why}.`, {
      hint: 'Only a job folder made by RotorScribe can be deleted this way.',
      detail: 'not_a_job_folder',
    });
  };
  if (!info.isDirectory() || info.isSymbolicLink()) refuse('it is not a folder');
  const manifest = await CheckpointStore.readManifest(dir).catch(() => null);
  if (!manifest) refuse('it holds no job manifest');
  const entries = await readdir(dir);
  const foreign = entries.filter((name) => !OWN_FILE.test(name));
  if (foreign.length > 0) refuse(`it also holds other files (${foreign.slice(0, 3).join(', ')})`);
  for (const name of entries) await rm(join(dir, name), { force: true });
  // Not recursive: a file that appeared meanwhile makes this fail instead of being deleted unseen.
  await rmdir(dir);
  return true;
}
