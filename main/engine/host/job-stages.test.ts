/**
 * The model load is the first step of a job on the runtime engine: the job method reports it as a `loading_model`
 * stage with the fraction loaded (whole percents), only when the model is not resident already.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIO_TOKENS_PER_CHUNK } from '@common/window-budget';
import {
  createRuntimeEngine,
  loadRuntimeModel,
  type LoadVoxtralLike,
  type RuntimeModelLike,
} from '../job/runtime-transcriber';
import type { JobEvent, runJob } from '../job/runner';
import { jobMethods, parseJobParams, type FrontEnd } from './job-method';
import { ModelCache } from './model-cache';

const dir = mkdtempSync(join(tmpdir(), 'rs-job-stages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modelPath = join(dir, 'model.gguf');
const mmprojPath = join(dir, 'mmproj.gguf');
writeFileSync(modelPath, Buffer.alloc(64));
writeFileSync(mmprojPath, Buffer.alloc(32));

/** A runtime whose load reports these fractions, as the addon's loader does (one per tensor). */
function loadingRuntime(fractions: number[]): LoadVoxtralLike {
  return async (opts) => {
    for (const f of fractions) opts.onProgress?.(f);
    const model: RuntimeModelLike = {
      info: { audioTokensPer30s: AUDIO_TOKENS_PER_CHUNK },
      audioTokenRate: 'reference',
      paths: { model: opts.modelPath, mmproj: opts.mmprojPath },
      createContext: async () => ({ transcribe: async () => ({ windows: [] }), dispose: () => undefined }),
      dispose: () => undefined,
    };
    return model;
  };
}

describe('the loading_model stage', () => {
  it('reports a fresh load in whole percents before the job runs, and nothing for a resident model', async () => {
    const models = new ModelCache((f, onProgress) =>
      loadRuntimeModel(f, loadingRuntime([0.001, 0.004, 0.25, 0.251, 0.8, 1]), onProgress),
    );
    let events: JobEvent[] = [];
    const fakeRunJob = (async (opts: { onEvent: (e: JobEvent) => void }) => {
      opts.onEvent({ type: 'stage', stage: { name: 'reading_audio' } });
      return {
        transcript: { version: 1, title: 'x', durationSec: 0, segments: [] },
        progress: {},
        restored: 0,
        records: [],
        decode: { samples: 0, corruptPackets: 0, warnings: [] },
      };
    }) as unknown as typeof runJob;
    const methods = jobMethods({
      frontEnd: async () => ({}) as FrontEnd,
      models,
      createEngine: (m, plan, threads) => createRuntimeEngine(m, plan, threads),
      runJob: fakeRunJob,
    });
    const run = () =>
      methods.job!.run(
        parseJobParams({
          input: join(dir, 'talk.wav'),
          jobDir: join(dir, 'job'),
          existing: 'restart',
          engine: { kind: 'runtime', modelPath, mmprojPath },
          plan: { kvK: 'iso3', kvV: 'iso3', maxWindowSec: 120, parallel: 1 },
        }),
        {
          id: 1,
          signal: new AbortController().signal,
          emit: (e) => events.push(e as JobEvent),
          onControl: () => undefined,
        },
      );
    await run();
    expect(events).toEqual([
      ...[0, 0.25, 0.8, 1].map((fraction) => ({ type: 'stage', stage: { name: 'loading_model', fraction } })),
      { type: 'stage', stage: { name: 'reading_audio' } },
    ]);
    events = [];
    await run();
    expect(events).toEqual([{ type: 'stage', stage: { name: 'reading_audio' } }]);
    await models.release();
  });
});
