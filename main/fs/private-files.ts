/**
 * Transcripts, recordings and the library are private: on POSIX every file the app creates is readable by the user
 * only (0600, folders 0700), and temp files a crash left behind are removed at the next start. Windows files
 * inherit the user profile's ACL, which already keeps other users out of AppData.
 */
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
const POSIX = process.platform !== 'win32';

/**
 * Sets the process umask to 077, so everything this process and its children create (SQLite's db, WAL and SHM
 * files, checkpoints, recordings, exports, whatever library writes them) starts user-only. Call first thing at
 * startup (Electron main, CLI); the engine process inherits it. Returns the previous mask, null on Windows.
 */
export function usePrivateUmask(): number | null {
  return POSIX ? process.umask(0o077) : null;
}

/** Whether a process with this id is running (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** writeFileAtomic's temp name: `<target>.<pid>.tmp`. */
const ATOMIC_TEMP = /\.(\d+)\.tmp$/;
/** Folders are not followed below this depth: the user data folder is shallow, a loop of mounts is not. */
const MAX_DEPTH = 8;

export interface PrivateDataReport {
  /** Entries whose group/other permission bits were removed (files from an older version, or copied in). */
  tightened: string[];
  /** Temp files of writes a crash interrupted. */
  removedTemps: string[];
}

/**
 * Walks `root` (the user data folder): removes atomic-write temp files whose writer is no longer running, and takes
 * group/other permissions off every file and folder. Symbolic links are neither followed nor changed.
 */
export async function securePrivateData(
  root: string,
  isAlive: (pid: number) => boolean = pidAlive,
): Promise<PrivateDataReport> {
  const report: PrivateDataReport = { tightened: [], removedTemps: [] };
  async function visit(path: string, depth: number): Promise<void> {
    let info;
    try {
      info = await lstat(path);
    } catch {
      return; // gone meanwhile
    }
    if (info.isSymbolicLink()) return;
    const temp = ATOMIC_TEMP.exec(path);
    if (info.isFile() && temp && Number(temp[1]) !== process.pid && !isAlive(Number(temp[1]))) {
      await rm(path, { force: true });
      report.removedTemps.push(path);
      return;
    }
    if (POSIX && (info.isFile() || info.isDirectory()) && (info.mode & 0o077) !== 0) {
      await chmod(path, info.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE);
      report.tightened.push(path);
    }
    if (info.isDirectory() && depth < MAX_DEPTH) {
      const names = await readdir(path).catch(() => []);
      for (const name of names) await visit(join(path, name), depth + 1);
    }
  }
  await visit(root, 0);
  return report;
}
