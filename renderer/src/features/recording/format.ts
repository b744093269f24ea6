import { formatClock } from '@common/clock';

/** Elapsed recording time as h:mm:ss (always with hours: the width stays put while the meeting grows). */
export const formatElapsed = (sec: number): string => formatClock(sec, { alwaysHours: true });

/** "about 12 min" / "about 2 h 5 min" of recording left on the disk. */
export function formatTimeLeft(sec: number): string {
  const min = Math.max(0, Math.floor(sec / 60));
  if (min < 60) return `about ${min} min`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min`;
}

/** Peak (0..1) → meter percentage on a dB scale from -60 dB, so speech sits in the middle, not at the bottom. */
export function levelPercent(peak: number): number {
  if (!(peak > 0)) return 0;
  const db = 20 * Math.log10(Math.min(1, peak));
  return Math.round(Math.max(0, Math.min(100, ((db + 60) / 60) * 100)));
}
