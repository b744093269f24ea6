/**
 * One job of long windows on the tiny synthetic Voxtral (parallel 1, speech everywhere so the cutter makes full-length
 * windows), the same in the test process and in a child process that a test kills: same PCM, source id, settings.
 */
import { join } from 'node:path';
import { syntheticPcm } from '../../runtime/testkit';
import type { VoxtralModel } from '../../runtime/voxtral';
import type { TranscribeOptions, Transcriber, WindowRequest } from '../../scheduler/transcriber';
import { createPushSource, runJob, type JobOptions, type JobResult } from '../runner';
import { createRuntimeEngine } from '../runtime-transcriber';
import type { StreamingVad } from '../stages/front-end';

export const WINDOW_SEC = 90;
const pcm = syntheticPcm(300, 7);

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
export interface Seen {
  prefix: Map<string, number>;
  reported: Map<string, number>;
}

export const noneSeen = (): Seen => ({ prefix: new Map(), reported: new Map() });

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

export async function longWindowJob(
  model: VoxtralModel,
  root: string,
  jobDir: string,
  extra: Partial<JobOptions> = {},
  seen: Seen = noneSeen(),
): Promise<JobResult> {
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
        jobDir: join(root, jobDir),
        existing: 'refuse',
        cutter: { maxWindowSec: WINDOW_SEC },
        // one attempt: random weights loop, and retries start fresh anyway (token-checkpoints.test.ts covers them)
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
