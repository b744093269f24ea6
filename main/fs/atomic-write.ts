/**
 * Replace a file so that a reader (or the next start after a crash or power loss) sees either the old or the new
 * content, never a mix: write a temp file beside it, fsync it, rename it over the target, fsync the directory.
 * Shared by the checkpoint store, exports and the settings store.
 */
import { constants as fsConstants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w');
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
