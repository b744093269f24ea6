/**
 * Replace a file so that a reader (or the next start after a crash or power loss) sees either the old or the new
 * content, never a mix: write a temp file beside it, fsync it, rename it over the target, fsync the directory.
 * Shared by the checkpoint store, exports and the settings store. The file is created readable by the user only;
 * a temp file that a crash leaves behind is removed at the next start (private-files.ts).
 */
import { constants as fsConstants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PRIVATE_FILE_MODE } from './private-files';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // user-only whatever the umask: the renamed file keeps the temp file's mode
    const fh = await open(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    // A temp file left by a failed write (disk full) would otherwise accumulate beside the target.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDir(dirname(path));
}

/** Makes a rename durable on POSIX; Windows cannot open a directory for fsync (NTFS journals the rename). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, fsConstants.O_RDONLY);
    await fh.sync();
  } catch {
    // Best effort: some file systems refuse fsync on directories.
  } finally {
    await fh?.close();
  }
}
