/**
 * How the app writes a moment (library, queue, editor, recordings): one module, so a date reads the same wherever it
 * appears. Pure: the locale and time zone default to the user's, tests pass their own.
 */

export interface DateFormatOptions {
  /** BCP 47 locale; the user's when absent. */
  locale?: string;
  /** IANA zone; the user's when absent. */
  timeZone?: string;
}

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: 'dateTime' | 'day' | 'time', o: DateFormatOptions): Intl.DateTimeFormat {
  const key = `${kind}\u0000${o.locale ?? ''}\u0000${o.timeZone ?? ''}`;
  let f = cache.get(key);
  if (!f) {
    const style: Intl.DateTimeFormatOptions =
      kind === 'dateTime'
        ? { dateStyle: 'medium', timeStyle: 'short' }
        : kind === 'day'
          ? { dateStyle: 'medium' }
          : { timeStyle: 'short' };
    f = new Intl.DateTimeFormat(o.locale, { ...style, ...(o.timeZone ? { timeZone: o.timeZone } : {}) });
    cache.set(key, f);
  }
  return f;
}

const valid = (epochMs: number): boolean => Number.isFinite(epochMs) && epochMs >= 0;

/** "3 Dec 2026, 14:05" (the locale's medium date and short time): a transcript's or a job's moment. */
export function formatDateTime(epochMs: number, o: DateFormatOptions = {}): string {
  return valid(epochMs) ? formatter('dateTime', o).format(epochMs) : '—';
}

/** "3 Dec 2026": the day only, for narrow columns (the full moment goes in a tooltip). */
export function formatDay(epochMs: number, o: DateFormatOptions = {}): string {
  return valid(epochMs) ? formatter('day', o).format(epochMs) : '—';
}

/**
 * A moment as short as it can be without being ambiguous: the time alone for today ("14:05"), else the date and time
 * ("2 Dec 2026, 09:12"). For lists the user reads at a glance (the queue, recent transcripts).
 */
export function formatRecent(epochMs: number, nowMs: number, o: DateFormatOptions = {}): string {
  if (!valid(epochMs)) return '—';
  const day = formatter('day', o);
  return day.format(epochMs) === day.format(nowMs)
    ? formatter('time', o).format(epochMs)
    : formatter('dateTime', o).format(epochMs);
}
