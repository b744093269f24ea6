/**
 * kill -9 of the process writing a recording, at a random moment: the next start finds it, repairs the header from
 * the data on disk and offers it; the audio lost is measured against what the writer had accepted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordingService } from './service';
import { WAV_HEADER_BYTES, parseWavHeader } from './wav';

const root = mkdtempSync(join(tmpdir(), 'rs-rec-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the writer, SIGKILLs it `afterMs` after its first chunk; resolves with the audio it had accepted. */
async function recordAndKill(dir: string, afterMs: number): Promise<{ id: string; sentSec: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      join(import.meta.dirname, 'testing/writer-child.ts'),
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let id = '';
  let sentSec = 0;
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  for await (const line of lines) {
    if (line.startsWith('id ')) {
      id = line.slice(3);
      setTimeout(() => child.kill('SIGKILL'), afterMs);
    } else if (line.startsWith('sent ')) sentSec = Number(line.slice(5));
  }
  expect(await exited).toBe('SIGKILL');
  return { id, sentSec };
}

describe('a recording survives kill -9 of its writer', () => {
  it('is repaired and offered at the next start, losing at most a second', async () => {
    const losses: number[] = [];
    for (let run = 0; run < 2; run++) {
      const dir = join(root, `run-${run}`);
      // a random moment between 2.5 and 6 s into the recording
      const afterMs = 2500 + Math.floor(Math.random() * 3500);
      const { id, sentSec } = await recordAndKill(dir, afterMs);
      expect(sentSec).toBeGreaterThan(2);

      const before = parseWavHeader(readFileSync(join(dir, `${id}.wav`)));
      expect(before.dataBytes).toBe(0); // the header still says "empty": only the repair can read it

      const next = createRecordingService({
        dir,
        jobsDir: join(root, 'jobs'),
        engine: { request: () => Promise.reject(new Error('unused')) },
        library: { save: () => ({ id: 'unused' }) },
        queue: { add: async () => undefined, kick: () => undefined },
        planLive: async () => null,
      });
      const offered = await next.recovered();
      expect(offered.map((r) => r.id)).toEqual([id]);
      const bytes = readFileSync(join(dir, `${id}.wav`));
      const header = parseWavHeader(bytes);
      expect(header).toMatchObject({ sampleRate: 48_000, channels: 2 });
      expect(header.dataBytes).toBe(bytes.length - WAV_HEADER_BYTES);
      expect(header.dataBytes % 4).toBe(0);
      const keptSec = header.dataBytes / (48_000 * 4);
      expect(offered[0]!.durationSec).toBeCloseTo(keptSec, 6);
      // the kept audio is the audio sent, sample for sample, at its start
      const sample = Math.fround(0.4 * Math.sin((2 * Math.PI * 220 * 1000) / 48_000));
      const first = bytes.readInt16LE(WAV_HEADER_BYTES + 4 * 1000);
      expect(first).toBe(Math.round(sample < 0 ? sample * 0x8000 : sample * 0x7fff));
      const loss = sentSec - keptSec;
      losses.push(loss);
      expect(loss).toBeGreaterThanOrEqual(-0.1);
      expect(loss).toBeLessThanOrEqual(1);
    }
    console.log(`kill -9 loss per run (s): ${losses.map((l) => l.toFixed(3)).join(', ')}`);
  }, 60_000);
});
