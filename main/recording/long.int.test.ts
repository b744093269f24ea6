/**
 * A 2-hour recording at accelerated speed (48 kHz mono in 100 ms chunks, live 16 kHz feed, fsync every 10 s of
 * audio) in a child process: memory stays flat (peak RSS after 10 min vs after 2 h) and the file is a valid WAV of
 * exactly the audio sent. About 90 s on the 2-core machine and 690 MB of disk (deleted after).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'rs-rec-long-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a 2-hour recording', () => {
  it('has flat memory and a valid file', async () => {
    const dir = join(root, 'recordings');
    mkdirSync(dir);
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, 'testing/long-child.ts'),
        '--dir',
        dir,
        '--minutes',
        '120',
      ],
      { timeout: 540_000, maxBuffer: 1 << 20 },
    );
    if (process.env['LONG_TRACE']) console.log(stderr);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      wallSec: number;
      peakRssMiB10min: number;
      peakRssMiBEnd: number;
      rssMiB10min: number;
      rssMiBEnd: number;
      heapMiB10min: number;
      heapMiBEnd: number;
      fileBytes: number;
      header: { sampleRate: number; channels: number; dataBytes: number };
      engineSamples: number;
    };
    console.log(
      `2 h recording: ${r.wallSec.toFixed(0)} s wall, peak RSS ${r.peakRssMiB10min.toFixed(0)} MiB at 10 min, ` +
        `${r.peakRssMiBEnd.toFixed(0)} MiB at 2 h (RSS then ${r.rssMiB10min.toFixed(0)} / ${r.rssMiBEnd.toFixed(0)} MiB, ` +
        `JS heap ${r.heapMiB10min.toFixed(1)} / ${r.heapMiBEnd.toFixed(1)} MiB), ` +
        `file ${(r.fileBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    const audioBytes = 120 * 60 * 48_000 * 2;
    expect(r.header).toEqual({ sampleRate: 48_000, channels: 1, dataBytes: audioBytes });
    expect(r.fileBytes).toBe(44 + audioBytes);
    // every second reached the transcriber, at 16 kHz
    expect(Math.abs(r.engineSamples - 120 * 60 * 16_000)).toBeLessThanOrEqual(2);
    // flat: 12x the audio, and what the process holds does not grow with it. Holding the audio would cost 660 MiB
    // (file) or 440 MiB (the 16 kHz feed). The JS heap after a GC is the same at 10 min and at 2 h; RSS can step up
    // by tens of MiB late in a run under load (native allocator growth: heap and buffers stay flat; standalone runs
    // measured 126 → 127 MiB), so it gets a bound far below any retained audio.
    expect(Math.abs(r.heapMiBEnd - r.heapMiB10min)).toBeLessThan(4);
    expect(r.peakRssMiBEnd - r.peakRssMiB10min).toBeLessThan(64);
  }, 600_000);
});
