/**
 * Shapes the settings advisor hands across process boundaries (IPC, CLI JSON). What crosses IPC is a valibot schema
 * here and its type is derived from it, so the runtime check and the type cannot drift. The arithmetic lives in
 * main/advisor, so the renderer never needs Node code to show a report.
 */
import * as v from 'valibot';
import { KV_CACHE_TYPES, type KvCacheType } from './kv-cache-types';
import { bool, list, num, object, partial, str } from './schema';

/** Decoder dimensions read from the text model's GGUF header. */
export interface DecoderDims {
  nLayer: number;
  nEmbd: number;
  nFf: number;
  nHead: number;
  nHeadKv: number;
  headDimK: number;
  headDimV: number;
  nVocab: number;
  nCtxTrain: number;
}

/** Audio encoder (mmproj) dimensions. */
export interface EncoderDims {
  nLayer: number;
  nEmbd: number;
  nFf: number;
  nHead: number;
  nMel: number;
  /** Encoder positions per 30 s chunk (1500 for Whisper). */
  positions: number;
  /** Width the projector outputs (the decoder's n_embd). */
  projDim: number;
}

/** What the memory model needs to know about one Voxtral variant (text GGUF + mmproj GGUF). */
export interface ModelDescription {
  /** Catalog id or file name, e.g. "Q4_K_M". */
  variant: string;
  decoder: DecoderDims;
  /** Bytes of every text-model tensor. */
  weightBytes: number;
  /** Bytes of the tensors of one repeating block, index = layer (what moves with GPU offload). */
  layerBytes: number[];
  /** Token embedding bytes: llama.cpp keeps them in host memory whatever the offload. */
  tokenEmbdBytes: number;
  /** Output head + final norm bytes (offloaded only with every layer). */
  outputBytes: number;
  /**
   * Bytes of matrix-multiplication weights (2-D, rows a multiple of 8) by ggml type id, per layer and for the output
   * head: what the CPU backend may repack into its interleaved layout.
   */
  matmulBytesByType: { layers: Record<number, number>[]; output: Record<number, number> };
  encoder: EncoderDims | null;
  mmprojBytes: number;
  /** True when sizes come from a catalog estimate instead of a file header. */
  approximate: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// What crosses IPC (advisor:getReport, advisor:evaluate, settings.runConfig)

const kvType = v.picklist(KV_CACHE_TYPES.map((t) => t.name) as [KvCacheType, ...KvCacheType[]]);
const bytes = num({ min: -1e15, max: 1e15 });
const count = num({ min: 0, max: 1e9, integer: true });
const text = (max = 2000) => str({ max });

const computeKind = v.picklist(['cpu', 'gpu', 'unified']);
export type ComputeKind = v.InferOutput<typeof computeKind>;

export const computeDeviceSchema = object({
  /** ggml backend device name, e.g. "CUDA0", "Metal", "CPU". */
  name: text(200),
  description: text(500),
  kind: computeKind,
  totalBytes: bytes,
  freeBytes: bytes,
  /** KV cache types (K = V) the device has kernels for; absent = not reported (every type assumed). */
  kvTypes: v.optional(list(kvType, { max: 32 })),
});
export type ComputeDevice = v.InferOutput<typeof computeDeviceSchema>;

function engineBackendSchema() {
  return object({
    /** CPU variant in use ("haswell", "x64", ...) and its instruction set in people's words. */
    cpuVariant: text(50),
    cpuIsa: text(200),
    cpuReason: text(1000),
    /** GPU backend in use ("CUDA", "Vulkan", "Metal"); null = CPU only, and gpuNotice says why. */
    gpu: v.nullable(text(50)),
    gpuNotice: v.nullable(text(2000)),
  });
}
export type EngineBackend = v.InferOutput<ReturnType<typeof engineBackendSchema>>;

export const hardwareInfoSchema = object({
  os: object({ platform: text(50), release: text(100), arch: text(50) }),
  cpu: object({
    model: text(300),
    physicalCores: count,
    logicalCores: count,
    simd: list(text(50), { max: 64 }),
  }),
  ram: object({ totalBytes: bytes, freeBytes: bytes }),
  /** Accelerators ggml sees (never the CPU itself). */
  devices: list(computeDeviceSchema, { max: 32 }),
  /** True on Apple Silicon: GPU and CPU share one memory pool. */
  unifiedMemory: bool,
  /** Where the device list came from: the runtime, or a CPU-only fallback. */
  deviceSource: v.picklist(['runtime', 'fallback']),
  /** What the engine loaded (main/engine/runtime/backends.ts): its CPU variant and GPU backend, or why no GPU. */
  backend: v.optional(engineBackendSchema()),
});
export type HardwareInfo = v.InferOutput<typeof hardwareInfoSchema>;

/** Bytes by purpose, for one memory pool. */
export const memoryBreakdownSchema = object({
  weights: bytes,
  mmproj: bytes,
  kv: bytes,
  computeDecoder: bytes,
  computeEncoder: bytes,
  overhead: bytes,
});
export type MemoryBreakdown = v.InferOutput<typeof memoryBreakdownSchema>;

const memoryPool = v.picklist(['ram', 'vram', 'unified']);
export type MemoryPool = v.InferOutput<typeof memoryPool>;

export const poolUsageSchema = object({
  pool: memoryPool,
  breakdown: memoryBreakdownSchema,
  total: bytes,
  /** What the advisor lets this configuration use in this pool (free minus safety margin). */
  budget: bytes,
  /**
   * Mapped file pages of weights the CPU backend repacked: llama.cpp's buffers count them a second time, but they are
   * clean page cache the OS reclaims, so they are not in `total`.
   */
  reclaimable: bytes,
});
export type PoolUsage = v.InferOutput<typeof poolUsageSchema>;

const tokenRate = v.picklist(['pooled', 'reference']);
export type TokenRate = v.InferOutput<typeof tokenRate>;

/** A configuration the user could run. */
export const runConfigSchema = object({
  weights: str({ min: 1, max: 100 }),
  kvTypeK: kvType,
  kvTypeV: kvType,
  windowSeconds: num({ min: 1, max: 36_000, integer: true }),
  parallelWindows: num({ min: 1, max: 64, integer: true }),
  /** Decoder layers on the GPU; 0 = CPU only; nLayer + 1 also moves the output head. */
  gpuLayers: num({ min: 0, max: 1000, integer: true }),
  threads: num({ min: 1, max: 1024, integer: true }),
  flashAttention: bool,
  tokenRate,
});
export type RunConfig = v.InferOutput<typeof runConfigSchema>;

/** Any subset of the settings; the advisor checks ranges against the machine and the model. */
export const runOverridesSchema = partial(runConfigSchema);
export type RunOverrides = v.InferOutput<typeof runOverridesSchema>;

export const contextPlanSchema = object({
  audioTokensPerWindow: count,
  promptTokens: count,
  outputTokens: count,
  /** Cells one window needs. */
  tokensPerWindow: count,
  /** Cells of the whole unified cache (all windows, padded as llama.cpp pads it). */
  nCtx: count,
  /** Longest context one window may use (the model card's 32k). */
  contextLimit: count,
  withinContextLimit: bool,
});
export type ContextPlan = v.InferOutput<typeof contextPlanSchema>;

export const memoryEstimateSchema = object({
  config: runConfigSchema,
  context: contextPlanSchema,
  kvBytesPerToken: bytes,
  pools: list(poolUsageSchema, { max: 4 }),
  fits: bool,
  /** Per pool: budget - total (negative = shortfall). */
  headroomBytes: bytes,
  /** The pool with the least headroom. */
  tightestPool: memoryPool,
});
export type MemoryEstimate = v.InferOutput<typeof memoryEstimateSchema>;

export const alternativeSchema = object({
  label: text(200),
  config: runConfigSchema,
  totalBytes: bytes,
  fits: bool,
  /** Why it was not chosen: "would need 1.2 GB more than the 5.4 GB budget". */
  reason: text(),
});
export type Alternative = v.InferOutput<typeof alternativeSchema>;

export const cacheTypeRowSchema = object({
  /** The K type (and the V type too when `kvTypeV` is absent). */
  kvType,
  /** The V type of a mixed pair (common/kv-quality.ts: the advisor's ladder of measured K/V pairs). */
  kvTypeV: v.optional(kvType),
  bytesPerToken: bytes,
  /** Cache bytes of the chosen window × parallel at this type. */
  kvBytes: bytes,
  /** Total of the chosen configuration with this cache type. */
  totalBytes: bytes,
  /** Longest single window (minutes of audio) whose cache fits beside the rest, capped by the 32k context limit. */
  maxWindowMinutes: num({ min: 0, max: 1e4 }),
  /** What stops a longer window: memory, or the model's 32k context. */
  windowLimit: v.picklist(['memory', 'context']),
  available: bool,
  /** Why the type is not available for this plan (not built, or no kernels on its GPU). */
  unavailableReason: v.optional(text(300)),
  /** Predicted audio seconds per wall second of the chosen configuration with this cache type (CPU plans). */
  speedX: v.optional(num({ min: 0 })),
});
export type CacheTypeRow = v.InferOutput<typeof cacheTypeRowSchema>;

/** The speed model's prediction for a plan (main/advisor/speed-model.ts); CPU plans only. */
export const speedEstimateSchema = object({
  /** Which measured calibration it comes from (main/advisor/speed-calibration.ts). */
  calibration: text(200),
  /** One batch of the plan's parallel windows, each full of speech. */
  batch: object({
    encoderSec: num({ min: 0 }),
    prefillSec: num({ min: 0 }),
    decodeSec: num({ min: 0 }),
    totalSec: num({ min: 0 }),
  }),
  audioTokensPerWindow: count,
  /**
   * Audio one window sends (the cutter fills a CPU plan's windows to whole 30 s encoder chunks: 59.99 s for 60 s) and
   * the encoder chunks it pays for.
   */
  audioSecPerWindow: num({ min: 0 }),
  chunksPerWindow: count,
  textTokensPerWindow: count,
  frontEndSecPerAudioHour: num({ min: 0 }),
  wallSecPerAudioHour: num({ min: 0 }),
  /** Audio seconds per wall second: ≥ 1 is faster than real time (the job progress's speedX). */
  speedX: num({ min: 0 }),
});
export type SpeedEstimate = v.InferOutput<typeof speedEstimateSchema>;

export const recommendationSchema = object({
  ok: bool,
  config: runConfigSchema,
  estimate: memoryEstimateSchema,
  why: text(),
  alternatives: list(alternativeSchema, { max: 50 }),
  /** Predicted speed of the plan, when the plan runs on a calibrated device kind (the CPU). */
  speed: v.optional(speedEstimateSchema),
});
export type Recommendation = v.InferOutput<typeof recommendationSchema>;

/** Measured allocation of a loaded configuration, next to what the advisor predicted for it. */
export const measuredAllocationSchema = object({
  config: runConfigSchema,
  nCtx: count,
  predicted: memoryBreakdownSchema,
  measured: memoryBreakdownSchema,
  /** Which measured fields the runtime reported (the rest are zero). */
  reported: list(v.keyof(memoryBreakdownSchema), { max: 6 }),
});
export type MeasuredAllocation = v.InferOutput<typeof measuredAllocationSchema>;

export const advisorReportSchema = object({
  hardware: hardwareInfoSchema,
  recommendation: recommendationSchema,
  variants: list(
    object({
      id: text(100),
      label: text(300),
      approximate: bool,
      weightBytes: bytes,
      mmprojBytes: bytes,
      /** Decoder layers (GPU offload goes up to layers + 1, the output head). */
      layers: count,
    }),
    { max: 50 },
  ),
  kvTypes: list(
    object({
      type: kvType,
      available: bool,
      /** Why the type is not offered for the recommended plan (not built, or no kernels on its GPU). */
      unavailableReason: v.optional(text(300)),
      bitsPerValue: num({ min: 0, max: 64 }),
    }),
    { max: 64 },
  ),
  /** Savings view for the recommended configuration: every cache type side by side. */
  cacheTable: list(cacheTypeRowSchema, { max: 64 }),
  /** After a model was loaded: what the runtime allocated. */
  measured: v.optional(measuredAllocationSchema),
});
export type AdvisorReport = v.InferOutput<typeof advisorReportSchema>;

export const evaluateRequestSchema = object({ overrides: runOverridesSchema });
export type EvaluateRequest = v.InferOutput<typeof evaluateRequestSchema>;

export const evaluateResultSchema = object({
  estimate: memoryEstimateSchema,
  cacheTable: list(cacheTypeRowSchema, { max: 64 }),
  /** "Fits with 2.1 GB to spare" / "Needs 1.3 GB more than the 6 GB VRAM budget". */
  verdict: text(),
});
export type EvaluateResult = v.InferOutput<typeof evaluateResultSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Advisor-internal shapes (never cross IPC)

export interface WeightsVariant {
  id: string;
  label: string;
  /** 1 = best quality. */
  qualityRank: number;
  model: ModelDescription;
}
