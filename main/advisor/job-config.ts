/**
 * The advisor's recommendation as a transcription job's plan (cache types × window length × parallel windows), the
 * one function both `rotorscribe doctor` and every job client (CLI, app) use, so what doctor recommends is exactly
 * what `transcribe` runs, on the same RAM budget.
 *
 * The plan is the recommendation as it is: window seconds × parallel windows × K/V types (a window longer than 30 s
 * runs as consecutive encoder chunks of one sequence). Only a window length given explicitly without a parallel
 * count keeps the recommended audio in the cache by running more, shorter windows side by side; then the advisor's
 * planMemory says how many of those actually fit.
 */
import { RotorError } from '@common/errors';
import type { HardwareInfo, RunConfig } from '@common/advisor-types';
import type { KvCacheType } from '@common/kv-cache-types';
import { MAX_WINDOW_SEC } from '@common/window-budget';
import type { RuntimeDevice } from '../engine/runtime/facts';
import { primaryGpu } from './memory-model';
import { probeHardware } from './probe';
import { createAdvisor, variantIdFromFile, type Advisor } from './report';

/** The job pipeline's longest window (what one 32k context holds with room for the text, ~30 min). */
export const JOB_MAX_WINDOW_SEC = MAX_WINDOW_SEC;
/** Window length where nothing was planned (the echo engine): one encoder chunk. */
export const JOB_DEFAULT_WINDOW_SEC = 28;
export const JOB_MAX_PARALLEL = 16;

export interface JobPlanValues {
  kvK: KvCacheType;
  kvV: KvCacheType;
  maxWindowSec: number;
  parallel: number;
  /**
   * Where the work runs, as the advisor planned it (absent in plans made without a model, e.g. the echo engine):
   * text-model layers on the GPU (nLayer + 1 = all of them and the output head), the audio encoder on the GPU (only
   * when the whole decoder is: the memory model's rule), flash attention, compute threads.
   */
  gpuLayers?: number;
  mmprojGpu?: boolean;
  flashAttention?: boolean;
  threads?: number;
  /** Pauses up to this long stay inside a window (the cutter's maxGapSec; absent: its default, 3 s). */
  maxGapSec?: number;
  /** Pauses inside a window longer than this reach the model shortened to it (absent: not shortened). */
  maxPauseSec?: number;
}

/** What the engine host reports (listDevices, supportedKvTypes) plus the model files. */
export interface EngineFacts {
  /** The runtime's devices; absent when the addon could not be loaded (the probe falls back to the CPU). */
  devices?: readonly RuntimeDevice[];
  supportedKvTypes?: readonly KvCacheType[];
  /** Memory the engine holds for a resident model: released or reused before the job allocates, so free here. */
  engineHeldBytes?: number;
  modelPath?: string;
  mmprojPath?: string;
  /** Tests: use this instead of probing. */
  hardware?: HardwareInfo;
}

export async function createJobAdvisor(facts: EngineFacts): Promise<Advisor> {
  const hardware =
    facts.hardware ??
    (await probeHardware(facts.devices ? { listDevices: async () => facts.devices ?? [] } : {}));
  const held = Math.max(0, facts.engineHeldBytes ?? 0);
  const adjusted: HardwareInfo = held
    ? {
        ...hardware,
        ram: { ...hardware.ram, freeBytes: Math.min(hardware.ram.totalBytes, hardware.ram.freeBytes + held) },
      }
    : hardware;
  return createAdvisor({
    hardware: adjusted,
    ...(facts.supportedKvTypes ? { supportedKvTypes: facts.supportedKvTypes } : {}),
    ...(facts.modelPath ? { modelPath: facts.modelPath } : {}),
    ...(facts.mmprojPath ? { mmprojPath: facts.mmprojPath } : {}),
  });
}

export interface JobPlanResult {
  plan: JobPlanValues;
  /** The advisor's verdict for the plan (one sentence). */
  reason: string;
  /** Parallel windows lowered from what was asked to what fits. */
  lowered?: { asked: number; fits: number };
}

/** Options given explicitly (CLI flags, app settings); the rest comes from the recommendation. */
export type JobPlanOverrides = Partial<JobPlanValues>;

function runConfig(advisor: Advisor, modelPath: string | undefined, plan: JobPlanValues): RunConfig {
  const recommended = advisor.report().recommendation.config;
  return {
    ...recommended,
    weights: modelPath ? (variantIdFromFile(modelPath) ?? 'local') : recommended.weights,
    kvTypeK: plan.kvK,
    kvTypeV: plan.kvV,
    windowSeconds: Math.max(1, Math.ceil(plan.maxWindowSec)),
    parallelWindows: plan.parallel,
    ...(plan.gpuLayers !== undefined ? { gpuLayers: plan.gpuLayers } : {}),
    ...(plan.flashAttention !== undefined ? { flashAttention: plan.flashAttention } : {}),
    ...(plan.threads !== undefined ? { threads: plan.threads } : {}),
  };
}

/** Decoder layers of the plan's weights (the variant the advisor describes), for the encoder placement rule. */
function decoderLayers(advisor: Advisor, weights: string): number | undefined {
  const v = advisor.input.variants.find((x) => x.id === weights) ?? advisor.input.variants[0];
  return v?.model.decoder.nLayer;
}

/**
 * Placement the advisor chose, carried to the engine: GPU layers clamped to the machine (none without a GPU), the
 * encoder on the GPU only when every decoder layer and the output head are there (memory-model.ts's rule).
 */
function placement(
  advisor: Advisor,
  modelPath: string | undefined,
  overrides: JobPlanOverrides,
): Pick<JobPlanValues, 'gpuLayers' | 'mmprojGpu' | 'flashAttention' | 'threads'> {
  const rec = advisor.report().recommendation.config;
  const gpuLayers = primaryGpu(advisor.input.hardware) ? (overrides.gpuLayers ?? rec.gpuLayers) : 0;
  const weights = modelPath ? (variantIdFromFile(modelPath) ?? 'local') : rec.weights;
  const n = decoderLayers(advisor, weights);
  return {
    gpuLayers,
    mmprojGpu: overrides.mmprojGpu ?? (n !== undefined && gpuLayers > n),
    flashAttention: overrides.flashAttention ?? rec.flashAttention,
    threads: overrides.threads ?? rec.threads,
  };
}

/**
 * A CPU plan's pauses: windows run through pauses up to CPU_MAX_GAP_SEC (fewer, fuller windows: mtmd pads a
 * window's last 30 s chunk, so every window closed early pays for a half-empty chunk), and pauses inside a window
 * reach the model shortened to CPU_MAX_PAUSE_SEC (the silence costs encoder and prefill time like speech). On the
 * synthetic meeting (bench/e2e.ts --dry, 10 min): chunks 25 → 21, audio heard 92 % → 88 % of the recording.
 */
export const CPU_MAX_GAP_SEC = 15;
export const CPU_MAX_PAUSE_SEC = 1;

/** How the job treats pauses (the cutter's longest pause inside a window; pauses shortened before the model). */
function pauses(
  overrides: JobPlanOverrides,
  gpuLayers: number | undefined,
): Pick<JobPlanValues, 'maxGapSec' | 'maxPauseSec'> {
  const cpu = !gpuLayers;
  const maxGapSec = overrides.maxGapSec ?? (cpu ? CPU_MAX_GAP_SEC : undefined);
  const maxPauseSec = overrides.maxPauseSec ?? (cpu ? CPU_MAX_PAUSE_SEC : undefined);
  return {
    ...(maxGapSec !== undefined ? { maxGapSec } : {}),
    ...(maxPauseSec !== undefined ? { maxPauseSec } : {}),
  };
}

/**
 * Plan, before anything is allocated: the recommendation with the overrides applied, checked against the memory
 * budget. Throws OUT_OF_MEMORY with the advisor's reason when even one window does not fit.
 */
export function planJob(
  advisor: Advisor,
  overrides: JobPlanOverrides = {},
  modelPath?: string,
): JobPlanResult {
  const rec = advisor.report().recommendation.config;
  const maxWindowSec = overrides.maxWindowSec ?? Math.min(JOB_MAX_WINDOW_SEC, rec.windowSeconds);
  const audioSeconds = rec.windowSeconds * rec.parallelWindows;
  const parallel =
    overrides.parallel ??
    (overrides.maxWindowSec === undefined
      ? rec.parallelWindows
      : Math.min(JOB_MAX_PARALLEL, Math.max(1, Math.floor(audioSeconds / Math.max(1, maxWindowSec)))));
  const wanted: JobPlanValues = {
    kvK: overrides.kvK ?? rec.kvTypeK,
    kvV: overrides.kvV ?? overrides.kvK ?? rec.kvTypeV,
    maxWindowSec,
    parallel,
    ...placement(advisor, modelPath, overrides),
  };
  Object.assign(wanted, pauses(overrides, wanted.gpuLayers));
  // llama.cpp keeps a quantized V cache only with flash attention
  if (!['f16', 'bf16', 'f32'].includes(wanted.kvV)) wanted.flashAttention = true;
  const verdict = advisor.planMemory(runConfig(advisor, modelPath, wanted));
  if (verdict.maxParallel < 1) {
    throw new RotorError('OUT_OF_MEMORY', `This configuration does not fit in memory: ${verdict.reason}`, {
      detail: `kvK=${wanted.kvK} kvV=${wanted.kvV} maxWindowSec=${wanted.maxWindowSec} parallel=${wanted.parallel}`,
    });
  }
  if (verdict.maxParallel >= parallel) return { plan: wanted, reason: verdict.reason };
  const plan = { ...wanted, parallel: verdict.maxParallel };
  return {
    plan,
    reason: advisor.planMemory(runConfig(advisor, modelPath, plan)).reason,
    lowered: { asked: parallel, fits: verdict.maxParallel },
  };
}

/** The `rotorscribe transcribe` flags that run this plan. */
export function jobPlanFlags(plan: JobPlanValues): string[] {
  return [
    '--kv-k',
    plan.kvK,
    '--kv-v',
    plan.kvV,
    '--max-window-sec',
    String(plan.maxWindowSec),
    '--parallel',
    String(plan.parallel),
  ];
}
