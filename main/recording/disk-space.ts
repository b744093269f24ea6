/**
 * How much recording time the disk has left, and what to do about it: warn well before the end (the user can free
 * space or stop), stop cleanly while there is still room to seal the file and save the library.
 */
import { statfs } from 'node:fs/promises';

/** Never fill the disk: below this the recording stops (the OS, the library and the header need room too). */
export const STOP_RESERVE_BYTES = 200 * 1024 * 1024;
/** Warn when less recording time than this is left. */
export const WARN_SECONDS = 15 * 60;

export type DiskLevel = 'ok' | 'low' | 'stop';

export interface DiskVerdict {
  level: DiskLevel;
  freeBytes: number;
  /** Seconds of this recording format the disk still takes before the stop reserve. */
  secondsLeft: number;
}

export function judgeDisk(
  freeBytes: number,
  bytesPerSec: number,
  reserveBytes = STOP_RESERVE_BYTES,
): DiskVerdict {
  const usable = Math.max(0, freeBytes - reserveBytes);
  const secondsLeft = usable / Math.max(1, bytesPerSec);
  // Stop one second early: the check runs once a second, so the next second must still fit.
  const level: DiskLevel = secondsLeft <= 1 ? 'stop' : secondsLeft < WARN_SECONDS ? 'low' : 'ok';
  return { level, freeBytes, secondsLeft };
}

/** Free bytes for an unprivileged writer on the volume holding `dir`. */
export type FreeSpace = (dir: string) => Promise<number>;

export const freeSpace: FreeSpace = async (dir) => {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
};
