/**
 * Shapes the settings advisor hands across process boundaries (IPC, CLI JSON). Types only: the arithmetic lives in
 * main/advisor, so the renderer never needs Node code to show a report.
 */
import type { KvCacheType } from './kv-cache-types';

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

export type ComputeKind = 'cpu' | 'gpu' | 'unified';

export interface ComputeDevice {
  /** ggml backend device name, e.g. "CUDA0", "Metal", "CPU". */
  name: string;
  description: string;
  kind: ComputeKind;
  totalBytes: number;
  freeBytes: number;
}

export interface HardwareInfo {
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; physicalCores: number; logicalCores: number; simd: string[] };
  ram: { totalBytes: number; freeBytes: number };
  /** Accelerators ggml sees (never the CPU itself). */
  devices: ComputeDevice[];
  /** True on Apple Silicon: GPU and CPU share one memory pool. */
  unifiedMemory: boolean;
  /** Where the device list came from: the runtime, or a CPU-only fallback. */
  deviceSource: 'runtime' | 'fallback';
}

/** Bytes by purpose, for one memory pool. */
export interface MemoryBreakdown {
  weights: number;
  mmproj: number;
  kv: number;
  computeDecoder: number;
  computeEncoder: number;
  overhead: number;
}

export type MemoryPool = 'ram' | 'vram' | 'unified';

export interface PoolUsage {
  pool: MemoryPool;
  breakdown: MemoryBreakdown;
  total: number;
  /** What the advisor lets this configuration use in this pool (free minus safety margin). */
  budget: number;
  /**
   * Mapped file pages of weights the CPU backend repacked: llama.cpp's buffers count them a second time, but they are
   * clean page cache the OS reclaims, so they are not in `total`.
   */
  reclaimable: number;
}

export type TokenRate = 'pooled' | 'reference';

/** A configuration the user could run. */
export interface RunConfig {
  weights: string;
  kvTypeK: KvCacheType;
  kvTypeV: KvCacheType;
  windowSeconds: number;
  parallelWindows: number;
  /** Decoder layers on the GPU; 0 = CPU only; nLayer + 1 also moves the output head. */
  gpuLayers: number;
  threads: number;
  flashAttention: boolean;
  tokenRate: TokenRate;
}

export interface ContextPlan {
  audioTokensPerWindow: number;
  promptTokens: number;
  outputTokens: number;
  /** Cells one window needs. */
  tokensPerWindow: number;
  /** Cells of the whole unified cache (all windows, padded as llama.cpp pads it). */
  nCtx: number;
  /** Longest context one window may use (the model card's 32k). */
  contextLimit: number;
  withinContextLimit: boolean;
}

export interface MemoryEstimate {
  config: RunConfig;
  context: ContextPlan;
  kvBytesPerToken: number;
  pools: PoolUsage[];
  fits: boolean;
  /** Per pool: budget - total (negative = shortfall). */
  headroomBytes: number;
  /** The pool with the least headroom. */
  tightestPool: MemoryPool;
}

export interface Alternative {
  label: string;
  config: RunConfig;
  totalBytes: number;
  fits: boolean;
  /** Why it was not chosen: "would need 1.2 GB more than the 5.4 GB budget". */
  reason: string;
}

export interface CacheTypeRow {
  kvType: KvCacheType;
  bytesPerToken: number;
  /** Cache bytes of the chosen window × parallel at this type. */
  kvBytes: number;
  /** Total of the chosen configuration with this cache type. */
  totalBytes: number;
  /** Longest single window (minutes of audio) whose cache fits beside the rest, capped by the 32k context limit. */
  maxWindowMinutes: number;
  /** What stops a longer window: memory, or the model's 32k context. */
  windowLimit: 'memory' | 'context';
  available: boolean;
}

export interface Recommendation {
  ok: boolean;
  config: RunConfig;
  estimate: MemoryEstimate;
  why: string;
  alternatives: Alternative[];
}

export interface WeightsVariant {
  id: string;
  label: string;
  /** 1 = best quality. */
  qualityRank: number;
  model: ModelDescription;
}

export interface AdvisorReport {
  hardware: HardwareInfo;
  recommendation: Recommendation;
  variants: {
    id: string;
    label: string;
    approximate: boolean;
    weightBytes: number;
    mmprojBytes: number;
    /** Decoder layers (GPU offload goes up to layers + 1, the output head). */
    layers: number;
  }[];
  kvTypes: { type: KvCacheType; available: boolean; bitsPerValue: number }[];
  /** Savings view for the recommended configuration: every cache type side by side. */
  cacheTable: CacheTypeRow[];
  /** After a model was loaded: what the runtime allocated. */
  measured?: MeasuredAllocation;
}

export type RunOverrides = Partial<RunConfig>;

export interface EvaluateResult {
  estimate: MemoryEstimate;
  cacheTable: CacheTypeRow[];
  /** "Fits with 2.1 GB to spare" / "Needs 1.3 GB more than the 6 GB VRAM budget". */
  verdict: string;
}

/** Measured allocation of a loaded configuration, next to what the advisor predicted for it. */
export interface MeasuredAllocation {
  config: RunConfig;
  nCtx: number;
  predicted: MemoryBreakdown;
  measured: MemoryBreakdown;
  /** Which measured fields the runtime reported (the rest are zero). */
  reported: (keyof MemoryBreakdown)[];
}
