import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecording } from '../../../fixtures/audio-long';
import { writeSyntheticVoxtral, type VoxtralFixture } from '../../../fixtures/voxtral';
import { RotorError } from '@common/errors';
import { decodeAudio, probeAudio } from '../audio/decode';
import { SileroVad } from '../vad/silero';
import { maxTokensFor } from '../scheduler/quality';
import { JobControl } from './control';
import { runJob, type JobDeps, type JobOptions } from './runner';
import {
  cellsPerSequence,
  openRuntimeTranscriber,
  RuntimeTranscriber,
  type RuntimeContextLike,
} from './runtime-transcriber';

describe('RuntimeTranscriber (adapter)', () => {
  const fake = (stop: 'eos' | 'max_tokens' | 'context_full', fail?: Error): RuntimeContextLike => ({
    async transcribe(windows, opts) {
      if (fail) throw fail;
      windows.forEach((_, i) => opts.onPiece?.(i, `piece${i}`, 7));
      return {
        windows: windows.map((w, i) => ({
          text: `text${i}`,
          tokens: new Int32Array(Math.min(3, w.maxTokens ?? 3)),
          stopReason: stop,
        })),
      };
    },
  });
  const req = (id: string) => ({
    windowId: id,
    pcm: new Float32Array(16000),
    startSec: 0,
    maxTokens: 24,
    attempt: 1,
  });

  it('maps results, pieces and stop reasons', async () => {
    const pieces: string[] = [];
    const r = await new RuntimeTranscriber(fake('eos'), 2).transcribe([req('w1'), req('w2')], {
      onPiece: (id, p) => pieces.push(`${id}:${p}`),
    });
    expect(r).toEqual([
      { text: 'text0', tokenCount: 3, stopReason: 'eos' },
      { text: 'text1', tokenCount: 3, stopReason: 'eos' },
    ]);
    expect(pieces).toEqual(['w1:piece0', 'w2:piece1']);
    const full = await new RuntimeTranscriber(fake('context_full'), 1).transcribe([req('w1')]);
    expect(full[0]!.stopReason).toBe('max_tokens');
  });

  it('reports a cancelled decode as cancelled and refuses oversized batches', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await new RuntimeTranscriber(fake('eos', new RotorError('CANCELLED')), 1).transcribe(
      [req('w1')],
      { signal: ac.signal },
    );
    expect(r[0]!.stopReason).toBe('cancelled');
    await expect(new RuntimeTranscriber(fake('eos'), 1).transcribe([req('a'), req('b')])).rejects.toThrow(
      /2 windows/,
    );
  });

  it('sizes a sequence for prompt + one window of audio tokens + the output cap', () => {
    expect(cellsPerSequence(375, 28)).toBe(32 + 375 + maxTokensFor(28) + 16);
  });
});

describe('job on the native runtime with the tiny synthetic Voxtral', () => {
  const dir = join(tmpdir(), `rs-rt-job-${process.pid}`);
  let fx: VoxtralFixture;
  let audio: string;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    fx = await writeSyntheticVoxtral({ dir, size: 'tiny', seed: 3 });
    audio = await generateRecording({ outDir: join(dir, 'audio'), durationSec: 75, format: 'm4a', seed: 5 });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function job(jobDir: string, extra: Partial<JobOptions> = {}) {
    const engine = await openRuntimeTranscriber({
      modelPath: fx.modelPath,
      mmprojPath: fx.mmprojPath,
      kvK: 'q8_0',
      kvV: 'q8_0',
      maxWindowSec: 12,
      parallel: 2,
      threads: 2,
    });
    const deps: JobDeps = {
      probe: probeAudio,
      decode: decodeAudio,
      createVad: () => SileroVad.load(),
      transcriber: engine.transcriber,
    };
    try {
      return await runJob(
        {
          input: audio,
          jobDir: join(dir, jobDir),
          existing: 'refuse',
          cutter: { maxWindowSec: 12 },
          // Random weights never stop: one attempt per window keeps this test short (retries are covered in retry.test.ts).
          retry: { maxAttempts: 1 },
          engine: engine.identity,
          ...extra,
        },
        deps,
      );
    } finally {
      engine.dispose();
    }
  }

  it('transcribes end to end with every window bounded by its token cap, and resumes identically', async () => {
    const ref = await job('ref');
    expect(ref.records.length).toBeGreaterThan(2);
    for (const r of ref.records) {
      const sec = (r.endSample - r.startSample) / 16000;
      expect(r.tokenCount).toBeLessThanOrEqual(maxTokensFor(sec));
      expect(r.attempts).toBe(1);
      expect(r.batch).toBe(2);
    }
    expect(ref.transcript.meta.engine).toMatchObject({ kvK: 'q8_0', kvV: 'q8_0' });

    const control = new JobControl();
    await expect(
      job('cut', { control, onEvent: (e) => e.type === 'window' && e.index === 1 && control.cancel() }),
    ).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'CANCELLED');
    const resumed = await job('cut', { existing: 'resume' });
    expect(resumed.restored).toBe(2);
    expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(ref.transcript));
  }, 600_000);
});

describe('RuntimeTranscriber busy context', () => {
  it('passes ENGINE_BUSY through at once (the addon frees a context before it delivers a result)', async () => {
    let calls = 0;
    const ctx: RuntimeContextLike = {
      transcribe() {
        calls++;
        return Promise.reject(new RotorError('ENGINE_BUSY', 'this context is running generate'));
      },
    };
    await expect(
      new RuntimeTranscriber(ctx, 1).transcribe([
        { windowId: 'w', pcm: new Float32Array(10), startSec: 0, maxTokens: 5, attempt: 1 },
      ]),
    ).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'ENGINE_BUSY');
    expect(calls).toBe(1);
  });
});
