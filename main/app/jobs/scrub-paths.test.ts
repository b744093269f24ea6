import { describe, expect, it } from 'vitest';
import { scrubPaths, withoutName } from './scrub-paths';

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

describe('withoutName: a queue row names the file, its error does not name it again', () => {
  it('drops the name after the colon at the end, keeping the sentence', () => {
    expect(withoutName('The audio in this file could not be decoded: x.mp3', 'x.mp3')).toBe(
      'The audio in this file could not be decoded.',
    );
    expect(withoutName('The file is empty (0 bytes): a (1).wav.', 'a (1).wav')).toBe(
      'The file is empty (0 bytes).',
    );
  });

  it('drops a leading "name:" and calls other mentions "this file"', () => {
    expect(withoutName('x.mp3: could not decode x.mp3 (invalid frame header)', 'x.mp3')).toBe(
      'Could not decode this file (invalid frame header).',
    );
    expect(withoutName('Recorded at 8 kHz (x.mp3)', 'x.mp3')).toBe('Recorded at 8 kHz.');
  });

  it('leaves a message that does not name the file as it is, and never empties one', () => {
    expect(withoutName('Decoding was cancelled.', 'x.mp3')).toBe('Decoding was cancelled.');
    expect(withoutName('x.mp3:', 'x.mp3')).toBe('x.mp3:');
    // regular-expression characters in a name are taken literally
    expect(withoutName('Cannot read: [draft] a+b.wav', '[draft] a+b.wav')).toBe('Cannot read.');
  });
});
