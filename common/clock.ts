/** Durations as players and progress bars show them: `m:ss`, `h:mm:ss` from an hour on. */
export interface ClockOptions {
  /** Always show hours (`0:04:05`), so the width stays put while a recording grows. */
  alwaysHours?: boolean;
  /** Players floor (a second is shown once it has fully passed); estimates round. */
  rounding?: 'floor' | 'round';
}

export function formatClock(sec: number, options: ClockOptions = {}): string {
  const round = options.rounding === 'round' ? Math.round : Math.floor;
  const total = Math.max(0, round(Number.isFinite(sec) ? sec : 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 || options.alwaysHours === true ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A progress bar's time or ETA: `--:--` while it is unknown. */
export function formatEstimate(sec: number | null): string {
  return sec === null || !Number.isFinite(sec) ? '--:--' : formatClock(sec, { rounding: 'round' });
}
