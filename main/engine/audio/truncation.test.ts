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

  it('does not call a video whose sound ends before its picture a damaged file', () => {
    const early = endedEarly(20.2, 0, 15.3, true);
    expect(early).toEqual({ atSec: 15.3, headerSec: 20.2, video: true });
    const text = endedEarlyWarning(early!);
    expect(text).toBe(
      'the audio track stops at 0:15.3 (15.3 s), before the end of the file at 0:20.2 (20.2 s): the video may go ' +
        'on without sound, or the file was cut off; the transcript covers the audio there is',
    );
    expect(text).not.toMatch(/ends early|header says/);
    expect(endedEarly(20.2, 0, 19.8, true)).toBeNull();
  });

  it('says where the audio stopped and how long the header said it was', () => {
    expect(endedEarlyWarning({ atSec: 31.5, headerSec: 3723.5 })).toBe(
      'the file ends early: the audio stops at 0:31.5 (31.5 s) but its header says it lasts 1:02:03.5 ' +
        '(3723.5 s); the transcript covers what is there',
    );
  });
});
