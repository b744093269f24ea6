import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wavBytes } from '../../../../fixtures/audio-long';
import type { FfmpegRun } from '../ffmpeg-run';
import { liveWasmDecoders, startWasm } from './backend';
import { WASM_INPUT, WASM_OUTPUT } from './protocol';

let dir: string;
let wav: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rs-wasm-'));
  wav = join(dir, 'tone.wav');
  await writeFile(
    wav,
    wavBytes(
      Int16Array.from({ length: 16_000 }, (_, i) => Math.sin(i / 8) * 8000),
      16_000,
    ),
  );
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function finish(run: FfmpegRun): Promise<{ code: number | null; bytes: number }> {
  let bytes = 0;
  for await (const b of run.output) bytes += b.length;
  const code = await run.closed;
  await run.exited;
  return { code, bytes };
}

describe('sandboxed ffmpeg (wasm worker)', () => {
  it('sees only its one input file: host paths do not exist inside the sandbox', async () => {
    const hostFile = join(dir, 'secret.txt');
    await writeFile(hostFile, 'not for the decoder');
    for (const target of [hostFile, '/etc/passwd', `file:${hostFile}`]) {
      const lines: string[] = [];
      const run = startWasm(wav, ['-nostdin', '-i', target, '-f', 'null', '-'], {
        output: false,
        onLine: (l) => lines.push(l),
      });
      expect((await finish(run)).code).not.toBe(0);
      expect(lines.join('\n')).toMatch(/No such file or directory/);
    }
    // while its own input decodes
    const run = startWasm(wav, ['-nostdin', '-y', '-i', WASM_INPUT, '-f', 'f32le', WASM_OUTPUT], {
      output: true,
      onLine: () => undefined,
    });
    expect(await finish(run)).toEqual({ code: 0, bytes: 16_000 * 4 });
    expect(run.failure()).toBeUndefined();
  });

  // a path checked as a file and swapped for a FIFO before the worker opens it: a blocking open would wait for a
  // writer inside a syscall that neither the stall bound nor terminate() interrupts (the test times out)
  it.skipIf(process.platform === 'win32')(
    'an input that became a FIFO ends the decoder at once',
    async () => {
      const fifo = join(dir, 'swapped.wav');
      execFileSync('mkfifo', [fifo]);
      const run = startWasm(
        fifo,
        ['-nostdin', '-y', '-i', WASM_INPUT, '-f', 'f32le', WASM_OUTPUT],
        {
          output: true,
          onLine: () => undefined,
        },
        { stallMs: 600 },
      );
      expect((await finish(run)).bytes).toBe(0);
      // before the worker is ready, so the host calls it 'missing'; decode.ts then names the input's problem
      expect(run.failure()).toMatchObject({ detail: expect.stringMatching(/no longer a regular file/) });
      expect(liveWasmDecoders()).toBe(0);
    },
    10_000,
  );

  it('stops a decoder that neither reads nor writes for longer than the stall bound', async () => {
    // a generated source and a null sink: busy for ages without touching the input file or the output device
    // (its progress lines do not count as progress)
    const started = Date.now();
    const run = startWasm(
      wav,
      ['-nostdin', '-f', 'lavfi', '-i', 'sine=r=48000:d=1000000', '-f', 'null', '-'],
      { output: true, onLine: () => undefined },
      { stallMs: 600 },
    );
    const { code } = await finish(run);
    expect(code).toBeNull();
    expect(run.failure()).toMatchObject({ kind: 'stalled' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(liveWasmDecoders()).toBe(0);
  });

  it('caps the wasm heap: a command that needs more cannot have it, the host carries on', async () => {
    // one 8192×8192 video frame: ~100 MB, over a 64 MiB cap, under the default one
    const args = [
      '-nostdin',
      '-f',
      'lavfi',
      '-i',
      'color=s=8192x8192:d=1',
      '-frames:v',
      '1',
      '-f',
      'null',
      '-',
    ];
    const capped = startWasm(
      wav,
      args,
      { output: false, onLine: () => undefined },
      { maxHeapBytes: 64 * 1024 * 1024, stallMs: 2_000 },
    );
    const { code } = await finish(capped);
    // ffmpeg either gives up or spins without memory until the stall bound stops it: never an uncapped heap
    expect(code === null ? capped.failure()?.kind : 'exited with an error').toMatch(/stalled|trap|exited/);
    if (code !== null) expect(code).not.toBe(0);
    const roomy = startWasm(wav, args, { output: false, onLine: () => undefined });
    expect((await finish(roomy)).code).toBe(0);
    expect(liveWasmDecoders()).toBe(0);
  });

  it('kill() ends a running decoder at once and leaves no thread', async () => {
    const run = startWasm(
      wav,
      ['-nostdin', '-f', 'lavfi', '-i', 'sine=r=48000:d=1000000', '-f', 'null', '-'],
      { output: true, onLine: () => undefined },
      { stallMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(liveWasmDecoders()).toBe(1);
    run.kill();
    expect(await finish(run)).toEqual({ code: null, bytes: 0 });
    expect(liveWasmDecoders()).toBe(0);
  });
});
