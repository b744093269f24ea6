import { describe, expect, it } from 'vitest';
import { endedEarly, endedEarlyWarning } from './truncation';

describe('endedEarly', () => {
  it('reports audio that stops well before the header duration', () => {
    expect(endedEarly(60, 0, 31.5)).toEqual({ atSec: 31.5, headerSec: 60 });
    // a decode that started later counts from the start of the file
    expect(endedEarly(60, 20, 11.5)).toEqual({ atSec: 31.5, headerSec: 60 });
  });

  it('ignores padding-sized shortfalls and files without a header duration', () => {
    expect(endedEarly(60, 0, 59.2)).toBeNull();
    expect(endedEarly(7200, 0, 7200 - 60)).toBeNull(); // under 1 % of two hours
    expect(endedEarly(7200, 0, 7000)).not.toBeNull();
    expect(endedEarly(null, 0, 1)).toBeNull();
    expect(endedEarly(Number.NaN, 0, 1)).toBeNull();
  });

  it('says where the audio stopped and how long the header said it was', () => {
    expect(endedEarlyWarning({ atSec: 31.5, headerSec: 3723.5 })).toBe(
      'the file ends early: the audio stops at 0:31.5 (31.5 s) but its header says it lasts 1:02:03.5 ' +
        '(3723.5 s); the transcript covers what is there',
    );
  });
});
