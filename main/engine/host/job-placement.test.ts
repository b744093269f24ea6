/**
 * The advisor's placement (GPU layers, encoder on the GPU, flash attention, threads) travels in the job's plan and
 * reaches the runtime: the model load and the context creation receive exactly the plan's values. A recording fake
 * stands in for the native runtime (this machine has no GPU); the real addon runs such plans in
 * job-placement.int.test.ts.
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
import type { runJob } from '../job/runner';
import { jobMethods, parseJobParams, type FrontEnd } from './job-method';
import { ModelCache } from './model-cache';
import type { JobParams } from './protocol';

const dir = mkdtempSync(join(tmpdir(), 'rs-job-placement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modelPath = join(dir, 'model.gguf');
const mmprojPath = join(dir, 'mmproj.gguf');
writeFileSync(modelPath, Buffer.alloc(64));
writeFileSync(mmprojPath, Buffer.alloc(32));

type Call = Record<string, unknown>;

/** A runtime that records what the worker asks of it. */
function fakeRuntime(loads: Call[], contexts: Call[]): LoadVoxtralLike {
  return async (opts) => {
    loads.push({ ...opts });
    const model: RuntimeModelLike = {
      info: { audioTokensPer30s: AUDIO_TOKENS_PER_CHUNK },
      audioTokenRate: 'reference',
      paths: { model: opts.modelPath, mmproj: opts.mmprojPath },
      createContext: async (c) => {
        contexts.push({ ...c });
        return { transcribe: async () => ({ windows: [] }), dispose: () => undefined };
      },
      dispose: () => undefined,
    };
    return model;
  };
}

/** The job method over the fake runtime, with a job runner that only reports the engine it was given. */
function worker(loads: Call[], contexts: Call[]) {
  const models = new ModelCache((f) => loadRuntimeModel(f, fakeRuntime(loads, contexts)));
  const fakeRunJob = (async () => ({
    transcript: { version: 1, title: 'x', durationSec: 0, segments: [] },
    progress: {},
    restored: 0,
    records: [],
    decode: { samples: 0, corruptPackets: 0, warnings: [] },
  })) as unknown as typeof runJob;
  const methods = jobMethods({
    frontEnd: async () => ({}) as FrontEnd,
    models,
    createEngine: (m, plan, threads) => createRuntimeEngine(m, plan, threads),
    runJob: fakeRunJob,
  });
  const run = (params: JobParams) =>
    methods.job!.run(parseJobParams(params), {
      id: 1,
      signal: new AbortController().signal,
      emit: () => undefined,
      onControl: () => undefined,
    });
  return { run, models };
}

function params(plan: Partial<JobParams['plan']>, threads?: number): JobParams {
  return {
    input: join(dir, 'talk.wav'),
    jobDir: join(dir, 'job'),
    existing: 'restart',
    engine: { kind: 'runtime', modelPath, mmprojPath, ...(threads ? { threads } : {}) },
    plan: { kvK: 'iso3', kvV: 'iso3', maxWindowSec: 120, parallel: 1, ...plan },
  };
}

describe("the plan's placement reaches the runtime", () => {
  it('full offload: GPU layers and the encoder at load, flash attention and threads at the context', async () => {
    const loads: Call[] = [];
    const contexts: Call[] = [];
    const { run } = worker(loads, contexts);
    await run(params({ gpuLayers: 27, mmprojGpu: true, flashAttention: true, threads: 3 }));
    expect(loads).toEqual([{ modelPath, mmprojPath, threads: 3, gpuLayers: 27, mmprojGpu: true }]);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]).toMatchObject({ parallel: 1, typeK: 'iso3', flashAttention: 'on', threads: 3 });
  });

  it('a CPU plan loads with 0 GPU layers and the encoder on the CPU; flash attention off reaches the context', async () => {
    const loads: Call[] = [];
    const contexts: Call[] = [];
    const { run } = worker(loads, contexts);
    await run(
      params({ kvK: 'f16', kvV: 'f16', gpuLayers: 0, mmprojGpu: false, flashAttention: false, threads: 2 }),
    );
    expect(loads).toEqual([{ modelPath, mmprojPath, threads: 2, gpuLayers: 0, mmprojGpu: false }]);
    expect(contexts[0]).toMatchObject({ typeK: 'f16', flashAttention: 'off', threads: 2 });
  });

  it("the engine's explicit threads win over the plan's; another placement reloads the model", async () => {
    const loads: Call[] = [];
    const contexts: Call[] = [];
    const { run, models } = worker(loads, contexts);
    await run(params({ gpuLayers: 0, threads: 2 }, 5));
    expect(loads[0]).toMatchObject({ threads: 5, gpuLayers: 0 });
    expect(contexts[0]).toMatchObject({ threads: 5 });
    await run(params({ gpuLayers: 0, threads: 2 }, 5));
    expect(loads).toHaveLength(1);
    await run(params({ gpuLayers: 12, threads: 2 }, 5));
    expect(loads).toHaveLength(2);
    expect(loads[1]).toMatchObject({ gpuLayers: 12 });
    await models.release();
  });

  it('a plan without placement (an older client) leaves the runtime its defaults', async () => {
    const loads: Call[] = [];
    const contexts: Call[] = [];
    const { run } = worker(loads, contexts);
    await run(params({}));
    expect(loads).toEqual([{ modelPath, mmprojPath }]);
    expect(contexts[0]).not.toHaveProperty('flashAttention');
    expect(contexts[0]).not.toHaveProperty('threads');
  });

  it('refuses a malformed placement', () => {
    expect(() => parseJobParams(params({ gpuLayers: -1 }))).toThrow(
      expect.objectContaining({ code: 'IPC_INVALID_PAYLOAD' }),
    );
    expect(() => parseJobParams(params({ threads: 0 }))).toThrow(
      expect.objectContaining({ code: 'IPC_INVALID_PAYLOAD' }),
    );
  });
});
