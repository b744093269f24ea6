/**
 * The plan's placement on the real addon in a child-process worker (this machine's build has no GPU backend): a CPU
 * plan (0 GPU layers, flash attention on, 2 threads) transcribes, and so does a full-offload plan — llama.cpp runs
 * the layers it was asked to offload on the CPU when no GPU device exists, so a plan made for another machine
 * degrades instead of failing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecording } from '../../../fixtures/audio-long';
import { writeSyntheticVoxtral } from '../../../fixtures/voxtral';
import type { JobParams } from './protocol';
import { hostsPerTest } from './testkit';

const root = mkdtempSync(join(tmpdir(), 'rs-job-placement-int-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const makeHost = hostsPerTest();
let modelPath = '';
let mmprojPath = '';
let audio = '';

beforeAll(async () => {
  const fx = await writeSyntheticVoxtral({ dir: join(root, 'model'), size: 'tiny', seed: 5 });
  modelPath = fx.modelPath;
  mmprojPath = fx.mmprojPath;
  audio = await generateRecording({ outDir: join(root, 'audio'), durationSec: 8, format: 'wav', seed: 2 });
}, 180_000);

let jobs = 0;
function job(plan: Partial<JobParams['plan']>): JobParams {
  return {
    input: audio,
    jobDir: join(root, `job-${++jobs}`),
    existing: 'refuse',
    engine: { kind: 'runtime', modelPath, mmprojPath },
    plan: { kvK: 'iso3', kvV: 'iso3', maxWindowSec: 10, parallel: 1, ...plan },
  };
}

describe('placement plans on the runtime', () => {
  it('a CPU plan (0 GPU layers) and a full-offload plan both transcribe on a CPU-only build', async () => {
    const host = makeHost();
    const cpu = await host.request(
      'job',
      job({ gpuLayers: 0, mmprojGpu: false, flashAttention: true, threads: 2 }),
    );
    expect(cpu.windows).toBeGreaterThan(0);
    expect(cpu.transcript.segments.length).toBeGreaterThan(0);
    const gpu = await host.request(
      'job',
      job({ gpuLayers: 99, mmprojGpu: true, flashAttention: true, threads: 2 }),
    );
    expect(gpu.windows).toBe(cpu.windows);
    // same weights, same arithmetic on the CPU: the same text
    expect(gpu.transcript.segments.map((s) => s.text)).toEqual(cpu.transcript.segments.map((s) => s.text));
  }, 300_000);
});
