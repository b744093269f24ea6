import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wavBytes } from '../../../fixtures/audio-long';
import { decodeAudio } from './decode';
import { nativeBackend } from './native-backend';
import { collect } from './testkit';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-native-ffmpeg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('native ffmpeg fallback: its input', () => {
  // a path checked as a file and swapped for a FIFO before ffmpeg opened it: ffmpeg's own open waited for a writer
  // for ever (this backend has no stall bound), so the decode never ended (the test timed out)
  it.skipIf(process.platform === 'win32')(
    'an input that became a FIFO ends the run at once',
    async () => {
      const fifo = join(dir, 'swapped.wav');
      execFileSync('mkfifo', [fifo]);
      const args = [
        '-nostdin',
        '-y',
        '-i',
        nativeBackend.inputArg(fifo),
        '-f',
        'f32le',
        nativeBackend.outputArg,
      ];
      const run = nativeBackend.start(fifo, args, { output: true, onLine: () => undefined });
      for await (const chunk of run.output) expect(chunk.length).toBe(0);
      expect(await run.closed).toBeNull();
      expect(run.failure()).toMatchObject({
        kind: 'missing',
        detail: 'the input is no longer a regular file',
      });
      // decodeAudio checks the path first and names the problem
      await expect(collect(decodeAudio(fifo, { decoder: 'native' }))).rejects.toMatchObject({
        code: 'FILE_UNREADABLE',
      });
    },
    10_000,
  );

  // the regular path still works through fd 3 (seekable: ffmpeg reopens /dev/fd/3 as a file, not a pipe)
  it('decodes the file it opened, through the descriptor it was handed', async () => {
    const wav = join(dir, 'ramp.wav');
    const samples = Int16Array.from({ length: 16000 }, (_, i) => (i % 200) * 100 - 10000);
    await writeFile(wav, wavBytes(samples, 16000));
    const pcm = await collect(decodeAudio(wav, { decoder: 'native' }));
    expect(pcm.length).toBe(16000);
    expect(pcm[150]).toBeCloseTo(samples[150]! / 32768, 4);
  });
});
