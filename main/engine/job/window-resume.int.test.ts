/**
 * Nothing lost inside a long window: a job of 90 s windows on the tiny synthetic Voxtral (parallel 1) is cancelled
 * in the middle of a window's decode, after some of its tokens were saved; the resumed job forces them and continues,
 * and its transcript is byte-identical to an uninterrupted run's while the window decodes fewer tokens.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { TINY_ENCODER_WIDTH_REAL_LIKE, writeSyntheticVoxtral } from '../../../fixtures/voxtral';
import { savedTokenPrefixes } from '../checkpoints/partial-tokens';
import { LOG_FILE, parseLog } from '../checkpoints/store';
import { runtimeTestDir, syntheticPcm } from '../runtime/testkit';
import { loadVoxtral, type VoxtralModel } from '../runtime/voxtral';
import type { TranscribeOptions, Transcriber, WindowRequest } from '../scheduler/transcriber';
import { JobControl } from './control';
import { createPushSource, runJob, type JobOptions, type JobResult } from './runner';
import { createRuntimeEngine } from './runtime-transcriber';
import type { StreamingVad } from './stages/front-end';

const dir = runtimeTestDir('window-resume');
const WINDOW_SEC = 90;
const pcm = syntheticPcm(300, 7);
let model: VoxtralModel;

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  const fx = await writeSyntheticVoxtral({
    dir,
    size: 'tiny',
    seed: 21,
    encoderWidth: TINY_ENCODER_WIDTH_REAL_LIKE,
  });
  model = await loadVoxtral({ modelPath: fx.modelPath, mmprojPath: fx.mmprojPath, threads: 1 });
});

afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Speech everywhere: the cutter makes windows of the full length, cut hard. */
function allSpeech(): StreamingVad {
  let samples = 0;
  return {
    push: (chunk) => ((samples += chunk.length), []),
    openStartSec: 0,
    flush: () => [{ startSec: 0, endSec: samples / 16_000 }],
  };
}

/** What the job asked the runtime: prefixes given and tokens reported, per window. */
interface Seen {
  prefix: Map<string, number>;
  reported: Map<string, number>;
}

function observing(inner: Transcriber, seen: Seen): Transcriber {
  return {
    maxParallel: inner.maxParallel,
    transcribe(windows: WindowRequest[], opts: TranscribeOptions = {}) {
      for (const w of windows) seen.prefix.set(w.windowId, w.prefixTokens?.length ?? 0);
      return inner.transcribe(windows, {
        ...opts,
        onTokens: (id, tokens) => {
          seen.reported.set(id, (seen.reported.get(id) ?? 0) + tokens.length);
          opts.onTokens?.(id, tokens);
        },
      });
    },
  };
}

async function job(jobDir: string, extra: Partial<JobOptions>, seen: Seen): Promise<JobResult> {
  const engine = await createRuntimeEngine(
    model,
    { kvK: 'q8_0', kvV: 'q8_0', maxWindowSec: WINDOW_SEC, parallel: 1 },
    1,
  );
  const source = createPushSource({ id: 'window-resume', name: 'synthetic' });
  for (let at = 0; at < pcm.length; at += 16_000) source.push(pcm.subarray(at, at + 16_000));
  source.end();
  try {
    return await runJob(
      {
        input: 'synthetic',
        jobDir: join(dir, jobDir),
        existing: 'refuse',
        cutter: { maxWindowSec: WINDOW_SEC },
        // one attempt: random weights loop, and retries start fresh anyway (token-checkpoints tests cover them)
        retry: { maxAttempts: 1 },
        engine: engine.identity,
        source,
        tokenCheckpoints: { everyTokens: 16 },
        ...extra,
      },
      { createVad: () => Promise.resolve(allSpeech()), transcriber: observing(engine.transcriber, seen) },
    );
  } finally {
    engine.dispose();
  }
}

const fresh = (): Seen => ({ prefix: new Map(), reported: new Map() });

describe('a job cancelled inside a long window', () => {
  it('resumes from the saved tokens: byte-identical transcript, fewer tokens decoded', async () => {
    const ref = await job('ref', {}, fresh());
    const lengthSec = (r: { startSample: number; endSample: number }) =>
      (r.endSample - r.startSample) / 16_000;
    // a long window after the first one (windows before it are restored from their records)
    const second = ref.records.slice(1).find((r) => lengthSec(r) > 75)!;
    expect(second).toBeDefined();
    expect(second.tokenCount).toBeGreaterThan(150);

    // cancel once that window has decoded 120 tokens
    const control = new JobControl();
    let pieces = 0;
    await expect(
      job(
        'cut',
        {
          control,
          onEvent: (e) => {
            if (e.type === 'piece' && e.windowId === second.windowId && ++pieces === 120) control.cancel();
          },
        },
        fresh(),
      ),
    ).rejects.toSatisfy((e) => e instanceof RotorError && e.code === 'CANCELLED');
    const log = parseLog(await readFile(join(dir, 'cut', LOG_FILE)));
    expect(log.records.filter((r) => r.type === 'window')).toHaveLength(second.index);
    const saved = savedTokenPrefixes(log.records).get(second.windowId) ?? [];
    expect(saved.length).toBeGreaterThanOrEqual(120);
    expect(saved.length).toBeLessThan(second.tokenCount);

    const seen = fresh();
    const resumed = await job('cut', { existing: 'resume' }, seen);
    expect(resumed.restored).toBe(second.index);
    expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(ref.transcript));
    expect(seen.prefix.get(second.windowId)).toBe(saved.length);
    expect(seen.reported.get(second.windowId)).toBe(second.tokenCount - saved.length);
    const again = resumed.records.find((r) => r.windowId === second.windowId)!;
    expect(again.tokenCount).toBe(second.tokenCount);
    console.log(
      `window ${second.windowId} (${lengthSec(second).toFixed(1)} s, ${second.tokenCount} tokens): ` +
        `cancelled with ${saved.length} tokens saved, resumed run decoded ${seen.reported.get(second.windowId)}`,
    );
  }, 300_000);
});
