import { describe, expect, it } from 'vitest';
import type { HardwareInfo } from '@common/advisor-types';
import { SAMPLE_RATE } from '@common/audio';
import type { KvCacheType } from '@common/kv-cache-types';
import { AUDIO_TOKENS_PER_CHUNK, audioChunksForSamples } from '@common/window-budget';
import {
  cellsPerSequence,
  createRuntimeEngine,
  type RuntimeModelLike,
} from '../engine/job/runtime-transcriber';
import { shortenPauses } from '../engine/job/pauses';
import { cutterConfigOf, windowingOf } from '../engine/job/runner';
import { type CutWindow, WindowCutter } from '../engine/scheduler/cutter';
import { buildScript, scriptRegions, ScriptedVad, synthPcm } from '../engine/scheduler/testkit';
import { tokensPerChunk } from './memory-model';
import {
  CPU_MAX_GAP_SEC,
  CPU_MAX_PAUSE_SEC,
  createJobAdvisor,
  jobPlanFlags,
  type JobPlanValues,
  planJob,
} from './job-config';
import { PROFILES } from './test-profiles';

describe('planJob: the advisor recommendation is the plan the engine runs', () => {
  for (const name of ['cpu8', 'apple16', 'laptop6', 'desktop24'] as const) {
    it(`${name}: same window length × parallel windows × K/V types, and the same cells per window`, async () => {
      const advisor = await createJobAdvisor({ hardware: PROFILES[name] });
      const rec = advisor.report().recommendation;
      expect(rec.ok).toBe(true);
      const { plan, lowered } = planJob(advisor);
      expect(lowered).toBeUndefined();
      const nLayer = advisor.input.variants.find((v) => v.id === rec.config.weights)!.model.decoder.nLayer;
      expect(plan).toEqual({
        kvK: rec.config.kvTypeK,
        kvV: rec.config.kvTypeV,
        maxWindowSec: rec.config.windowSeconds,
        parallel: rec.config.parallelWindows,
        gpuLayers: rec.config.gpuLayers,
        mmprojGpu: rec.config.gpuLayers > nLayer,
        flashAttention: rec.config.flashAttention,
        threads: rec.config.threads,
        // a CPU plan runs through longer pauses and shortens them; a GPU plan sends windows as cut
        ...(rec.config.gpuLayers === 0 ? { maxGapSec: CPU_MAX_GAP_SEC, maxPauseSec: CPU_MAX_PAUSE_SEC } : {}),
      });
      // what the worker allocates per sequence for that plan is what the advisor budgeted per window
      const perChunk = tokensPerChunk(null, rec.config.tokenRate);
      expect(cellsPerSequence(perChunk, plan.maxWindowSec)).toBe(rec.estimate.context.tokensPerWindow);
    });
  }

  it('runs the long windows the CPU laptop profile is recommended (no conversion to 28 s windows)', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.cpu8 });
    const rec = advisor.report().recommendation.config;
    expect(rec.windowSeconds).toBeGreaterThan(30);
    const { plan } = planJob(advisor);
    expect(plan.maxWindowSec).toBe(rec.windowSeconds);
    expect(jobPlanFlags(plan)).toContain(String(rec.windowSeconds));
    expect(cellsPerSequence(AUDIO_TOKENS_PER_CHUNK, plan.maxWindowSec)).toBeGreaterThan(
      2 * AUDIO_TOKENS_PER_CHUNK,
    );
  });

  it('an explicit short window keeps the recommended audio in the cache with more windows side by side', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.cpu8 });
    const rec = advisor.report().recommendation.config;
    const { plan } = planJob(advisor, { maxWindowSec: 28 });
    expect(plan.maxWindowSec).toBe(28);
    expect(plan.parallel).toBe(Math.floor((rec.windowSeconds * rec.parallelWindows) / 28));
    // an explicit parallel count alone keeps the recommended length
    expect(planJob(advisor, { parallel: 1 }).plan.maxWindowSec).toBe(rec.windowSeconds);
  });

  it('carries the GPU placement: all layers and the encoder on a big GPU, a partial offload keeps the encoder', async () => {
    const big = await createJobAdvisor({ hardware: PROFILES.desktop24 });
    const nLayer = big.input.variants[0]!.model.decoder.nLayer;
    const full = planJob(big).plan;
    expect(full.gpuLayers).toBe(nLayer + 1);
    expect(full.mmprojGpu).toBe(true);
    expect(full.flashAttention).toBe(true);
    const partial = planJob(big, { gpuLayers: 10 }).plan;
    expect(partial).toMatchObject({ gpuLayers: 10, mmprojGpu: false });
    // no GPU: nothing offloaded whatever was asked
    const cpu = await createJobAdvisor({ hardware: PROFILES.cpu8 });
    expect(planJob(cpu, { gpuLayers: 20 }).plan).toMatchObject({ gpuLayers: 0, mmprojGpu: false });
    // a quantized V cache needs flash attention in llama.cpp
    expect(planJob(cpu, { kvK: 'iso3', kvV: 'iso3', flashAttention: false }).plan.flashAttention).toBe(true);
    expect(planJob(cpu, { kvK: 'f16', kvV: 'f16', flashAttention: false }).plan.flashAttention).toBe(false);
    // pauses: a GPU plan sends windows as cut, a CPU plan shortens pauses; explicit values win
    expect(full).not.toHaveProperty('maxPauseSec');
    expect(planJob(cpu).plan).toMatchObject({ maxGapSec: CPU_MAX_GAP_SEC, maxPauseSec: CPU_MAX_PAUSE_SEC });
    expect(planJob(cpu, { maxGapSec: 3, maxPauseSec: 5 }).plan).toMatchObject({
      maxGapSec: 3,
      maxPauseSec: 5,
    });
  });

  it('refuses what does not fit before anything is allocated', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.ram4 });
    expect(() => planJob(advisor)).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY' }));
  });
});

/** This development box as `rotorscribe doctor` probes it: 2 cores, ~25 GB, no GPU. */
const DEV_BOX: HardwareInfo = {
  os: { platform: 'linux', release: '6.18.44', arch: 'x64' },
  cpu: {
    model: 'AMD EPYC',
    physicalCores: 2,
    logicalCores: 2,
    simd: ['sse4_2', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni'],
  },
  ram: { totalBytes: 25.3e9, freeBytes: 20.1e9 },
  devices: [],
  unifiedMemory: false,
  deviceSource: 'runtime',
};

interface ContextCall {
  contextSize: number;
  parallel: number;
  typeK: KvCacheType;
  typeV: KvCacheType;
  flashAttention?: string;
  threads?: number;
}

/** A model that records the context the engine asks for (what the worker would allocate). */
function recordingModel(calls: ContextCall[]): RuntimeModelLike {
  return {
    info: { audioTokensPer30s: AUDIO_TOKENS_PER_CHUNK },
    audioTokenRate: 'reference',
    paths: { model: 'Voxtral-Mini-3B-2507-Q4_K_M.gguf', mmproj: 'mmproj.gguf' },
    createContext: async (opts) => {
      calls.push({
        contextSize: opts.contextSize,
        parallel: opts.parallel,
        typeK: opts.typeK,
        typeV: opts.typeV,
        flashAttention: opts.flashAttention,
        threads: opts.threads,
      });
      return {
        transcribe: async () => ({ windows: [] }),
        dispose: () => undefined,
      };
    },
    dispose: () => undefined,
  };
}

/** The windows the job's cutter makes of a long monologue with the plan's windowing, as runJob sets it up. */
function cutMonologue(plan: JobPlanValues): CutWindow[] {
  const script = buildScript({ seed: 3, minWords: 2500, longSilenceProb: 0, monologueProb: 0.95 });
  const cutter = new WindowCutter(cutterConfigOf(windowingOf(plan)));
  const vad = new ScriptedVad(scriptRegions(script));
  const total = Math.round(script.durationSec * SAMPLE_RATE);
  const out: CutWindow[] = [];
  for (let pos = 0; pos < total; pos += 32_768) {
    const n = Math.min(total - pos, 32_768);
    out.push(...cutter.push(synthPcm(script, pos, pos + n), vad.push(n)));
  }
  out.push(...cutter.finish(vad.flush()));
  return out;
}

describe('the run a recommendation produces is the recommended configuration', () => {
  for (const [name, hardware] of [
    ['this 2-core box', DEV_BOX],
    ['cpu8', PROFILES.cpu8],
    ['desktop24', PROFILES.desktop24],
  ] as const) {
    it(`${name}: the engine's context and the cutter's windows are the advisor's plan`, async () => {
      const advisor = await createJobAdvisor({ hardware });
      const rec = advisor.report().recommendation;
      expect(rec.ok).toBe(true);
      const { plan } = planJob(advisor);
      const calls: ContextCall[] = [];
      const engine = await createRuntimeEngine(recordingModel(calls), plan);
      // one context: the recommended K/V types, the recommended windows side by side, each the cells budgeted
      expect(calls).toEqual([
        {
          contextSize: Math.max(256, rec.estimate.context.tokensPerWindow * rec.config.parallelWindows),
          parallel: rec.config.parallelWindows,
          typeK: rec.config.kvTypeK,
          typeV: rec.config.kvTypeV,
          flashAttention: rec.config.flashAttention ? 'on' : 'off',
          threads: rec.config.threads,
        },
      ]);
      expect(engine.identity).toMatchObject({ kvK: rec.config.kvTypeK, kvV: rec.config.kvTypeV });
      // windows as long as recommended: never longer, and a monologue fills them to within the hard-cut search
      const windows = cutMonologue(plan);
      const heard = windows.map((w) =>
        plan.maxPauseSec === undefined
          ? w.pcm.length
          : shortenPauses(w.pcm, w.startSample, w.speechRegions, plan.maxPauseSec).length,
      );
      expect(Math.max(...heard) / SAMPLE_RATE).toBeLessThanOrEqual(rec.config.windowSeconds);
      expect(Math.max(...heard) / SAMPLE_RATE).toBeGreaterThan(rec.config.windowSeconds - 20);
      // a CPU plan's predicted speed counts the chunks its windows pay for: the most any window sends, and what
      // most of them do
      expect(rec.speed !== undefined).toBe(rec.config.gpuLayers === 0);
      if (rec.speed) {
        const chunks = heard.map((h) => audioChunksForSamples(h));
        expect(Math.max(...chunks)).toBe(rec.speed.chunksPerWindow);
        expect(chunks.filter((c) => c === rec.speed!.chunksPerWindow).length).toBeGreaterThan(
          chunks.length / 2,
        );
        expect(Math.max(...heard) / SAMPLE_RATE).toBeLessThanOrEqual(rec.speed.audioSecPerWindow);
      }
      engine.dispose();
    });
  }

  it('on this box: a CPU plan, with its predicted speed in the reason', async () => {
    const rec = (await createJobAdvisor({ hardware: DEV_BOX })).report().recommendation;
    expect(rec.config.gpuLayers).toBe(0);
    expect(rec.speed).toBeDefined();
    expect(rec.why).toContain(`${rec.speed!.speedX.toFixed(2)}x real time`);
  });
});
