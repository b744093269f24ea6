import { describe, expect, it } from 'vitest';
import { scrubPaths } from './scrub-paths';

describe('scrubPaths: names, never locations, in what the window shows', () => {
  it('replaces a known path (spaces included) with its file name', () => {
    expect(
      scrubPaths('This is not an audio or video file: /home/ada/My Calls/notes 2.txt', [
        '/home/ada/My Calls/notes 2.txt',
      ]),
    ).toBe('This is not an audio or video file: notes 2.txt');
  });

  it('replaces other absolute paths with their last part, keeping the punctuation around them', () => {
    expect(scrubPaths('The saved job in /home/ada/.config/RotorScribe/jobs/3f2a. was made for b.wav.')).toBe(
      'The saved job in 3f2a. was made for b.wav.',
    );
    expect(scrubPaths('Could not read C:\\Users\\Ada\\Music\\talk.mp3, try again')).toBe(
      'Could not read talk.mp3, try again',
    );
    expect(scrubPaths('(\\\\server\\share\\rec\\a.m4a)')).toBe('(a.m4a)');
    expect(scrubPaths('model “/models/voxtral/q4.gguf” is truncated')).toBe('model “q4.gguf” is truncated');
  });

  it('leaves text without paths alone: fractions, times, URLs’ own slashes are not paths', () => {
    for (const text of ['1/2 of the audio', 'at 03:12/04:05', 'speed 12.3x', 'see https://example.org/a/b']) {
      expect(scrubPaths(text)).toBe(text);
    }
  });
});
