import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOpenFiles, mediaPathsFromArgv } from './open-files';

describe('files opened from the file manager', () => {
  it('takes the audio and video files of a command line, resolved against its folder', () => {
    const argv = [
      '/opt/RotorScribe/rotorscribe',
      '--no-sandbox',
      'talk.WAV',
      '/tmp/notes.txt',
      'sub/call.m4a',
      '.',
    ];
    expect(mediaPathsFromArgv(argv, '/home/me')).toEqual([
      path.resolve('/home/me', 'talk.WAV'),
      path.resolve('/home/me', 'sub/call.m4a'),
    ]);
  });

  it('holds files that arrive before the queue runs, then passes each batch on', () => {
    const got: string[][] = [];
    const o = createOpenFiles();
    o.open(['/a.wav']);
    o.open([]);
    o.open(['/b.mp3']);
    expect(got).toEqual([]);
    o.ready((p) => got.push(p));
    expect(got).toEqual([['/a.wav', '/b.mp3']]);
    o.open(['/c.flac']);
    expect(got).toEqual([['/a.wav', '/b.mp3'], ['/c.flac']]);
  });
});
