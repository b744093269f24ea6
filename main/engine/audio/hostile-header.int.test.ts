/**
 * Media whose header lies: a WAV claiming 37 hours, 65,535 channels, a 4 GHz or 1 Hz sample rate, no samples at all,
 * and a file swapped for another while it is decoded. Each must end in PCM no longer than what the file holds, or a
 * coded RotorError (never INTERNAL, never a crash of the process), with memory that follows the bytes on disk, not
 * the header's promises.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { SAMPLE_RATE } from '@common/audio';
import { wavBytes } from '../../../fixtures/audio-long';
import { decodeAudio, probeAudio } from './decode';
import { collect } from './testkit';
import { liveWasmDecoders } from './wasm/backend';

const SECONDS = 2;
const tone = Int16Array.from({ length: SAMPLE_RATE * SECONDS }, (_, i) =>
  Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)),
);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-hostile-audio-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A 2 s mono 16 kHz WAV with some header fields overwritten (offsets of the canonical 44-byte header). */
async function lyingWav(name: string, patch: (view: DataView) => void, samples = tone): Promise<string> {
  const bytes = wavBytes(samples, SAMPLE_RATE);
  patch(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

type Outcome = { samples: number; endedEarly?: { atSec: number; headerSec: number } } | { code: string };

/** Decodes to the end, counting samples (never holding them), or the error's code. */
async function outcome(path: string): Promise<Outcome> {
  try {
    const stream = decodeAudio(path, { chunkSamples: 8192 });
    let samples = 0;
    for await (const pcm of stream) {
      for (const x of pcm) if (!Number.isFinite(x)) throw new Error('non-finite sample');
      samples += pcm.length;
    }
    const { endedEarly } = stream.stats();
    return endedEarly ? { samples, endedEarly } : { samples };
  } catch (error) {
    if (error instanceof RotorError) return { code: error.code };
    throw error;
  }
}

/** PCM no longer than the file's own bytes allow (plus resampler slack), or a coded, non-internal error. */
function expectBounded(result: Outcome, maxSeconds = SECONDS): void {
  if ('code' in result) {
    expect(result.code).not.toBe('INTERNAL');
    expect(['AUDIO_CORRUPT', 'AUDIO_UNSUPPORTED', 'FILE_EMPTY']).toContain(result.code);
  } else {
    expect(result.samples).toBeLessThanOrEqual((maxSeconds + 0.1) * SAMPLE_RATE);
  }
}

describe('media whose header lies', () => {
  it('a data chunk claiming 37 hours decodes the 2 s that are there and says the file ends early', async () => {
    const path = await lyingWav('hours.wav', (v) => {
      v.setUint32(4, 0xfffffff0, true);
      v.setUint32(40, 0xfffffff0, true);
    });
    const result = await outcome(path);
    expectBounded(result);
    expect(result).toMatchObject({ samples: expect.any(Number) as number });
    if (!('code' in result)) {
      expect(result.samples).toBeGreaterThan((SECONDS - 0.1) * SAMPLE_RATE);
      expect(result.endedEarly?.headerSec).toBeGreaterThan(36 * 3600);
    }
  });

  it.each([
    ['65,535 channels', (v: DataView) => v.setUint16(22, 0xffff, true)],
    ['0 channels', (v: DataView) => v.setUint16(22, 0, true)],
    ['a 4 GHz sample rate', (v: DataView) => v.setUint32(24, 0xffffffff, true)],
    // 64,000 bytes of s16 at 1 Hz would be 9 hours of audio at 16 kHz; the decoder makes nothing of it
    ['a 1 Hz sample rate', (v: DataView) => v.setUint32(24, 1, true)],
    ['a 0 Hz sample rate', (v: DataView) => v.setUint32(24, 0, true)],
    [
      'a byte rate of 0 and a block align of 0',
      (v: DataView) => (v.setUint32(28, 0, true), v.setUint16(32, 0, true)),
    ],
    ['65,535 bits per sample', (v: DataView) => v.setUint16(34, 0xffff, true)],
    ['an unknown codec tag', (v: DataView) => v.setUint16(20, 0x7777, true)],
  ])('%s: PCM bounded by the file, or a coded error', async (name, patch) => {
    const path = await lyingWav(`${name.replace(/[^a-z0-9]+/giu, '-')}.wav`, patch);
    expectBounded(await outcome(path));
    await expect(probeAudio(path).catch((e: unknown) => e)).resolves.not.toMatchObject({ code: 'INTERNAL' });
    expect(liveWasmDecoders()).toBe(0);
  });

  it('a WAV that is only its header is FILE_EMPTY, not an empty transcript without a word why', async () => {
    const path = await lyingWav('no-samples.wav', () => undefined, new Int16Array(0));
    expect(await outcome(path)).toEqual({ code: 'FILE_EMPTY' });
    // a range or a resume past the end is not the file's fault: nothing, and no error
    expect((await collect(decodeAudio(path, { startSec: 5 }))).length).toBe(0);
  });

  it('a file swapped for another while it is decoded: what was opened is decoded, or a coded error', async () => {
    const long = Int16Array.from({ length: SAMPLE_RATE * 30 }, (_, i) => tone[i % tone.length]!);
    const path = await lyingWav('swapped.wav', () => undefined, long);
    const other = await lyingWav('other.wav', () => undefined, tone.subarray(0, SAMPLE_RATE / 2));
    let samples = 0;
    let code: string | undefined;
    try {
      for await (const pcm of decodeAudio(path, { chunkSamples: 4096 })) {
        if (samples === 0) await rename(other, path);
        samples += pcm.length;
      }
    } catch (error) {
      if (!(error instanceof RotorError)) throw error;
      code = error.code;
    }
    // the smaller file now at the path reads as the original cut short: refused, or the opened file read to its end
    if (code) expect(['FILE_UNREADABLE', 'FILE_NOT_FOUND']).toContain(code);
    else expect(samples).toBeLessThanOrEqual(30.1 * SAMPLE_RATE);
    expect(liveWasmDecoders()).toBe(0);
  });
});
