/** decodeAudio with a range (startSec + durationSec): what a re-transcription of part of a recording decodes. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RATE as SR } from '@common/audio';
import { FIXTURE_FFMPEG, prng, wavBytes } from '../../../fixtures/audio-long';
import { decodeAudio, decodeArgs } from './decode';
import { collect } from './testkit';

const run = promisify(execFile);
let dir = '';
let wav = '';
let mp3 = '';
/** 8 s of noise whose level changes every second: each second of the file is told apart from the others. */
let source: Int16Array;

function rms(pcm: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (pcm[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-decode-range-'));
  const random = prng(3);
  source = new Int16Array(8 * SR);
  for (let i = 0; i < source.length; i++) {
    const level = 1000 * (1 + Math.floor(i / SR));
    source[i] = Math.round((random() * 2 - 1) * level);
  }
  wav = join(dir, 'levels.wav');
  mp3 = join(dir, 'levels.mp3');
  await writeFile(wav, wavBytes(source, SR));
  await run(FIXTURE_FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-b:a', '128k', mp3]);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('decodeAudio over a range', () => {
  it('asks ffmpeg to stop reading at the end of the range', () => {
    const args = decodeArgs('/a.wav', 2.5, 1.25);
    expect(args.slice(args.indexOf('-ss'), args.indexOf('-i'))).toEqual(['-ss', '2.500', '-t', '1.250']);
    expect(decodeArgs('/a.wav')).not.toContain('-t');
  });

  it('decodes exactly the samples of the range from a WAV file', async () => {
    const part = await collect(decodeAudio(wav, { startSec: 2, durationSec: 3 }));
    expect(part.length).toBe(3 * SR);
    for (const i of [0, 1, SR, 2 * SR + 17, 3 * SR - 1])
      expect(part[i]).toBeCloseTo(source[2 * SR + i]! / 32768, 4);
  });

  it('decodes the range from an MP3 file: its seconds are seconds 3, 4 and 5 of the whole decode', async () => {
    const whole = await collect(decodeAudio(mp3));
    const part = await collect(decodeAudio(mp3, { startSec: 3, durationSec: 3 }));
    expect(Math.abs(part.length - 3 * SR)).toBeLessThanOrEqual(SR / 100);
    const level = (pcm: Float32Array, second: number): number =>
      rms(pcm, second * SR + SR / 10, (second + 1) * SR - SR / 10);
    for (const second of [0, 1, 2]) {
      // each second is 1000/32768 louder than the one before it: 15-25 % apart, so a 3 % match is that second
      expect(Math.abs(level(part, second) / level(whole, 3 + second) - 1)).toBeLessThan(0.03);
    }
  });

  it('ends with the file when the range runs past it, and refuses a bad duration', async () => {
    expect((await collect(decodeAudio(wav, { startSec: 7, durationSec: 10 }))).length).toBe(SR);
    for (const durationSec of [0, -1, Number.NaN, Infinity])
      expect(() => decodeAudio(wav, { durationSec })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
