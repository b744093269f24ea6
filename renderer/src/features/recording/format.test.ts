import { describe, expect, it } from 'vitest';
import { LIVE_BEHIND_SEC, formatLag, liveBehindText, liveLagSec } from './format';

describe('live text behind the recording', () => {
  it('measures the lag from the furthest text, by window or by the live job’s progress', () => {
    expect(liveLagSec(60, undefined, [])).toBe(60);
    expect(liveLagSec(60, undefined, [{ endSec: 10 }, { endSec: 20 }])).toBe(40);
    expect(liveLagSec(60, 35, [{ endSec: 20 }])).toBe(25);
    // never negative (the status and the windows arrive separately)
    expect(liveLagSec(20, undefined, [{ endSec: 21 }])).toBe(0);
  });

  it('writes the lag rounded to 5 s, in minutes from a minute on', () => {
    expect(formatLag(2)).toBe('5 s');
    expect(formatLag(42)).toBe('40 s');
    expect(formatLag(58)).toBe('1 min');
    expect(formatLag(131)).toBe('2 min 10 s');
  });

  it('says nothing while live text keeps up, and plainly how far behind it is when it does not', () => {
    expect(liveBehindText('recording', LIVE_BEHIND_SEC - 1)).toBeNull();
    const text = liveBehindText('recording', 41);
    expect(text).toMatch(/^Live text is 40 s behind/u);
    expect(text).toContain('Nothing is lost');
    expect(text).toContain('the transcript finishes after you stop');
    expect(liveBehindText('paused', 90)).toMatch(/^Live text is 1 min 30 s behind/u);
  });

  it('counts down what is left to transcribe after the stop', () => {
    expect(liveBehindText('finishing', 64)).toBe('Transcribing the last 1 min 5 s of the recording…');
    expect(liveBehindText('finishing', 0)).toBe('Transcribing the rest…');
  });
});
