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

/** Live text this far behind the recording is said to be behind (live windows are ~10 s, decoded a few s later). */
export const LIVE_BEHIND_SEC = 25;

/** Seconds of the recording the live transcript has not reached: the recording's length less the furthest text. */
export function liveLagSec(
  elapsedSec: number,
  liveAudioSec: number | undefined,
  windows: readonly { endSec: number }[],
): number {
  const reached = windows.reduce((m, w) => Math.max(m, w.endSec), liveAudioSec ?? 0);
  return Math.max(0, elapsedSec - reached);
}

/** "40 s", "2 min 10 s": how far behind, rounded to 5 s (it moves every second; the exact figure is noise). */
export function formatLag(sec: number): string {
  const s = Math.max(5, Math.round(sec / 5) * 5);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/**
 * What the recorder says when live transcription cannot keep up (a slow computer transcribes slower than people
 * speak): how far behind, that nothing is lost, and when the transcript will be complete. Null while it keeps up.
 */
export function liveBehindText(phase: 'recording' | 'paused' | 'finishing', lagSec: number): string | null {
  if (phase === 'finishing') {
    return lagSec >= 1
      ? `Transcribing the last ${formatLag(lagSec)} of the recording…`
      : 'Transcribing the rest…';
  }
  if (lagSec < LIVE_BEHIND_SEC) return null;
  return (
    `Live text is ${formatLag(lagSec)} behind: this computer transcribes more slowly than the meeting goes. ` +
    'Nothing is lost: the recording is on disk, and the transcript finishes after you stop.'
  );
}
