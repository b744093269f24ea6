import { describe, expect, it } from 'vitest';
import { formatClock, formatEstimate } from './clock';

describe('formatClock', () => {
  it('m:ss below an hour, h:mm:ss from an hour on', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65.9)).toBe('1:05');
    expect(formatClock(3600)).toBe('1:00:00');
    expect(formatClock(3725)).toBe('1:02:05');
  });
  it('floors by default and rounds on request', () => {
    expect(formatClock(59.6)).toBe('0:59');
    expect(formatClock(59.6, { rounding: 'round' })).toBe('1:00');
  });
  it('always shows hours when asked, and clamps what is not a duration', () => {
    expect(formatClock(245, { alwaysHours: true })).toBe('0:04:05');
    expect(formatClock(-3)).toBe('0:00');
    expect(formatClock(Number.NaN)).toBe('0:00');
  });
  it('an unknown estimate is dashes', () => {
    expect(formatEstimate(null)).toBe('--:--');
    expect(formatEstimate(Number.POSITIVE_INFINITY)).toBe('--:--');
    expect(formatEstimate(3599.6)).toBe('1:00:00');
  });
});
