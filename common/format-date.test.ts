import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDay, formatRecent } from './format-date';

const UTC_GB = { locale: 'en-GB', timeZone: 'UTC' };
// 2026-12-03 14:05:09 UTC
const AT = Date.UTC(2026, 11, 3, 14, 5, 9);

describe('date formatting', () => {
  it('writes a moment as the medium date and short time of the locale', () => {
    expect(formatDateTime(AT, UTC_GB)).toBe('3 Dec 2026, 14:05');
    expect(formatDateTime(AT, { locale: 'en-US', timeZone: 'UTC' })).toBe('Dec 3, 2026, 2:05 PM');
  });

  it('follows the time zone (the day can change)', () => {
    expect(formatDateTime(Date.UTC(2026, 11, 3, 23, 30), { locale: 'en-GB', timeZone: 'Asia/Tokyo' })).toBe(
      '4 Dec 2026, 08:30',
    );
  });

  it('writes the day alone for narrow columns', () => {
    expect(formatDay(AT, UTC_GB)).toBe('3 Dec 2026');
  });

  it('writes only the time for a moment of today, the date and time otherwise', () => {
    const now = Date.UTC(2026, 11, 3, 20, 0);
    expect(formatRecent(AT, now, UTC_GB)).toBe('14:05');
    expect(formatRecent(Date.UTC(2026, 11, 2, 9, 12), now, UTC_GB)).toBe('2 Dec 2026, 09:12');
  });

  it('writes a dash for a missing or broken time instead of "Invalid Date"', () => {
    expect(formatDateTime(Number.NaN, UTC_GB)).toBe('—');
    expect(formatDay(-1, UTC_GB)).toBe('—');
    expect(formatRecent(Number.POSITIVE_INFINITY, AT, UTC_GB)).toBe('—');
  });
});
