/**
 * Memory model of Voxtral on llama.cpp + libmtmd: what a configuration allocates, by purpose and by memory pool.
 * Pure arithmetic. Where llama.cpp's behaviour decides a number, the comment names the place in v0.5.0.
 */
import {
  audioChunks,
  outputTokenCap,
  VOXTRAL_CONTEXT_TOKENS,
  WINDOW_PROMPT_TOKENS,
  WINDOW_SPARE_TOKENS,
} from '@common/window-budget';
import { RotorError } from '@common/errors';
import { tensorBytes as defaultTensorBytes } from './ggml-sizes';
import { BREAKDOWN_KEYS, breakdownTotal, emptyBreakdown } from '@common/memory-breakdown';
import { kvCacheTypeInfo, rowBytes, type KvCacheType } from '@common/kv-cache-types';
import type {
  ContextPlan,
  DecoderDims,
  EncoderDims,
  HardwareInfo,
  MemoryEstimate,
  MemoryPool,
  ModelDescription,
  PoolUsage,
  RunConfig,
} from '@common/advisor-types';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The model card's usable context (the GGUF may claim 131072). */
export const CONTEXT_LIMIT = VOXTRAL_CONTEXT_TOKENS;
/**
 * Prompt and spare cells of a window, and its output cap: the engine sizes each sequence with the same
 * common/window-budget.ts, so what is planned here is what the runtime allocates.
 */
export const PROMPT_TOKENS = WINDOW_PROMPT_TOKENS + WINDOW_SPARE_TOKENS;

/**
 * Fixed costs and calibration of the working-buffer formulas. The compute formulas below reproduce the CPU
 * backend's measured buffers exactly (bench/advisor.ts); the scale factors stay 1 until a GPU backend's buffers
 * are measured (CUDA/Metal pick other kernels and may keep other intermediates).
 */
export const CALIBRATION = {
  nUbatch: 512,
  /** Host memory the runtime needs beside its buffers: ggml contexts, vocabulary, tokenizer tables, sampler. */
  runtimeOverheadRam: 160 * MiB,
  /** Device memory a discrete GPU backend takes beside its buffers (CUDA context, cuBLAS workspace): assumed. */
  runtimeOverheadVram: 300 * MiB,
  /** The same for Metal on unified memory (no separate driver context to pay for): assumed. */
  runtimeOverheadUnified: 150 * MiB,
  decoderComputeScale: 1.0,
  encoderComputeScale: 1.0,
};

/** What the advisor keeps back from free memory. */
export const SAFETY = {
  /** Fraction of free memory never planned for. */
  marginFraction: 0.2,
  /** Room for the app itself (Electron UI, audio buffers) and the OS, in host RAM. */
  ramReserve: 512 * MiB,
  vramReserve: 256 * MiB,
  /** macOS lets Metal wire at most ~75% of RAM by default (recommendedMaxWorkingSetSize). */
  unifiedGpuFraction: 0.75,
};

// ---------------------------------------------------------------------------------------------------------------
// KV cache

/**
 * Bytes of K and V one token occupies across all layers. llama.cpp stores K as rows of n_head_kv × head_dim values of
 * the K type (likewise V); a quantization block must not straddle heads.
 */
export function kvBytesPerToken(dims: DecoderDims, typeK: KvCacheType, typeV: KvCacheType): number {
  for (const [type, headDim] of [
    [typeK, dims.headDimK],
    [typeV, dims.headDimV],
  ] as const) {
    const block = kvCacheTypeInfo(type).blockValues;
    if (headDim % block !== 0) {
      throw new RotorError(
        'KV_TYPE_UNSUPPORTED',
        `${type} blocks of ${block} values do not divide head_dim ${headDim}.`,
        {
          hint: 'Pick a cache type whose block size divides the head dimension (f16, q8_0, q4_0 always do).',
        },
      );
    }
  }
  const k = rowBytes(typeK, dims.nHeadKv * dims.headDimK);
  const v = rowBytes(typeV, dims.nHeadKv * dims.headDimV);
  return dims.nLayer * (k + v);
}

// ---------------------------------------------------------------------------------------------------------------
// Context

/** Encoder chunks mtmd makes from `seconds` of audio (common/window-budget.ts). */
export { audioChunks };

/** Audio tokens per 30 s chunk: positions / 4 (frame stacking), halved again by v0.5.0's average pooling. */
export function tokensPerChunk(encoder: EncoderDims | null, rate: RunConfig['tokenRate']): number {
  const positions = encoder?.positions ?? 1500;
  return rate === 'pooled' ? Math.floor(positions / 2 / 4) : Math.floor(positions / 4);
}

function pad(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

export function contextPlan(model: ModelDescription, config: RunConfig): ContextPlan {
  const audioTokensPerWindow =
    audioChunks(config.windowSeconds) * tokensPerChunk(model.encoder, config.tokenRate);
  const outputTokens = outputTokenCap(config.windowSeconds);
  const tokensPerWindow = audioTokensPerWindow + PROMPT_TOKENS + outputTokens;
  const limit = Math.min(CONTEXT_LIMIT, model.decoder.nCtxTrain || CONTEXT_LIMIT);
  return {
    audioTokensPerWindow,
    promptTokens: PROMPT_TOKENS,
    outputTokens,
    tokensPerWindow,
    // each parallel window is its own sequence with its own cells; llama.cpp pads n_ctx to 256 (llama-context.cpp)
    nCtx: pad(tokensPerWindow * Math.max(1, config.parallelWindows), 256),
    contextLimit: limit,
    withinContextLimit: tokensPerWindow <= limit,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Working buffers

/**
 * Decoder compute buffer: ggml-alloc reserves the worst-case prompt graph (n_tokens = min(n_ctx, n_ubatch), one
 * output per token of the ubatch, llama-context.cpp sched_reserve) and reuses memory between nodes, so the size is
 * the peak of live tensors, not their sum. The candidates for the peak:
 *  - the output head: logits [n_vocab, n_tok] f32 beside two hidden states;
 *  - a layer's FFN: gate, up and their product [n_ff, n_tok] beside two hidden states;
 *  - attention: with flash attention Q/K/V rows only; without it the scores KQ [n_kv, n_tok, n_head] f32 (softmax
 *    runs in place) plus Q, KQV and the permuted copies, fitted as 6.335 hidden states;
 * the KQ mask [n_kv, n_tok] (f16 with flash attention, f32 without) is alive during the layers.
 * Measured on the real-dimension model (bench/advisor.ts, CPU, n_ubatch 512): 268.00 MiB with flash attention at
 * every n_ctx from 2k to 32k with an f16 V cache (= the output head), 274.00 MiB with a quantized V in most
 * cases, 302.01 / 566.01 / 1094.01 MiB without flash attention at 4k / 8k / 16k.
 */
export function decoderComputeBytes(
  dims: DecoderDims,
  nCtx: number,
  flashAttention: boolean,
  nUbatch = CALIBRATION.nUbatch,
  rotatedV = false,
): number {
  const nTok = Math.min(nCtx, nUbatch);
  const f32 = 4;
  const hidden = dims.nEmbd * nTok * f32;
  const qRows = dims.nHead * dims.headDimK * nTok * f32;
  const mask = nCtx * pad(nTok, 64) * (flashAttention ? 2 : 4);
  // a quantized V cache gets a Hadamard rotation (llama-kv-cache.cpp attn_rot_v): its extra tensors leave one more
  // hidden state's worth in the peak in 7 of the 9 measured cases (at two it was absorbed): plan for it
  const output = dims.nVocab * nTok * f32 + (rotatedV ? 3 : 2) * hidden;
  const ffn = 3 * dims.nFf * nTok * f32 + 2 * hidden + mask;
  const attention = flashAttention
    ? 3 * qRows + 2 * hidden + mask
    : nCtx * nTok * dims.nHead * f32 + 6.335 * hidden + mask;
  return Math.round(Math.max(output, ffn, attention) * CALIBRATION.decoderComputeScale);
}

/**
 * Encoder compute buffer for one 30 s chunk (Whisper-style, clip.cpp): per layer the FFN [n_ff, 1500] f32 beside
 * three hidden states [width, 1500]; without flash attention the scores [1500, 1500, n_head] f32 can dominate; the
 * first convolution runs at 3000 positions. mtmd's flash attention "auto" resolves to on where the backend supports
 * it. Measured on the real-dimension mmproj (CPU): 51.27 MiB = 5120·1500·4 + 3·1280·1500·4 bytes exactly.
 */
export function encoderComputeBytes(enc: EncoderDims, flashAttention = true): number {
  const f32 = 4;
  const P = enc.positions;
  const hidden = enc.nEmbd * P * f32;
  const ffn = enc.nFf * P * f32 + 3 * hidden;
  const conv = 2 * enc.nEmbd * 2 * P * f32 + enc.nMel * 3 * 2 * P * f32;
  const attention = flashAttention ? 5 * hidden : P * P * enc.nHead * f32 + 3 * hidden;
  return Math.round(Math.max(ffn, conv, attention) * CALIBRATION.encoderComputeScale);
}

/** Host output buffer: logits for n_seq outputs (llama-context.cpp output_reserve; grows for batches with more outputs). */
export function outputBufferBytes(dims: DecoderDims, nSeq: number): number {
  return dims.nVocab * Math.max(1, nSeq) * 4;
}

// ---------------------------------------------------------------------------------------------------------------
// Placement

/**
 * Which decoder parts sit on the GPU for n_gpu_layers = g (llama-model.cpp: layers il >= n_layer + 1 - g, where
 * il == n_layer is the output head; the token embedding always stays on the host).
 */
export function offloadSplit(
  model: ModelDescription,
  gpuLayers: number,
): { gpuLayerCount: number; outputOnGpu: boolean } {
  const n = model.decoder.nLayer;
  const g = Math.max(0, Math.min(gpuLayers, n + 1));
  return { gpuLayerCount: Math.max(0, g - 1), outputOnGpu: g >= 1 };
}

/** The accelerator the advisor plans for: the one with the most free memory. */
export function primaryGpu(hw: HardwareInfo): HardwareInfo['devices'][number] | undefined {
  return [...hw.devices].filter((d) => d.kind !== 'cpu').sort((a, b) => b.freeBytes - a.freeBytes)[0];
}

/** Memory a configuration may use in each pool: free minus the safety margin and reserves. */
export function poolBudget(hw: HardwareInfo, pool: MemoryPool): number {
  const keep = 1 - SAFETY.marginFraction;
  if (pool === 'ram') return Math.max(0, hw.ram.freeBytes * keep - SAFETY.ramReserve);
  if (pool === 'vram') {
    const gpu = primaryGpu(hw);
    return gpu ? Math.max(0, gpu.freeBytes * keep - SAFETY.vramReserve) : 0;
  }
  const gpu = primaryGpu(hw);
  const gpuCap = gpu ? gpu.freeBytes : hw.ram.totalBytes * SAFETY.unifiedGpuFraction;
  const free = Math.min(hw.ram.freeBytes, gpuCap);
  return Math.max(0, free * keep - SAFETY.ramReserve);
}

/**
 * Weight types the CPU backend repacks into interleaved layouts for its matmul kernels (ggml-cpu/repack.cpp
 * ggml_repack_get_optimal_repack_type, v0.5.0), by the SIMD features that enable them. The repacked copy lives in a
 * CPU_REPACK buffer while the file mapping still spans the originals.
 */
export function repackTypes(simd: readonly string[]): Set<number> {
  const has = (f: string) => simd.includes(f);
  const out = new Set<number>();
  if (has('avx2')) [2, 12, 20, 39].forEach((t) => out.add(t)); // Q4_0, Q4_K, IQ4_NL, MXFP4
  if (has('avx512f')) out.add(10); // Q2_K
  if (has('neon') && (has('dotprod') || has('i8mm'))) [2, 12, 13, 14, 20, 8, 39].forEach((t) => out.add(t)); // + Q5_K, Q6_K, Q8_0
  return out;
}

/** Bytes the CPU backend repacks for the decoder parts that stay on the CPU. */
export function repackedBytes(model: ModelDescription, gpuLayers: number, simd: readonly string[]): number {
  const types = repackTypes(simd);
  if (types.size === 0) return 0;
  const { gpuLayerCount, outputOnGpu } = offloadSplit(model, gpuLayers);
  const sum = (byType: Record<number, number>) =>
    Object.entries(byType).reduce((a, [t, b]) => a + (types.has(Number(t)) ? b : 0), 0);
  let bytes = 0;
  const cpuLayers = model.decoder.nLayer - gpuLayerCount;
  for (let il = 0; il < cpuLayers; il++) bytes += sum(model.matmulBytesByType.layers[il] ?? {});
  if (!outputOnGpu) bytes += sum(model.matmulBytesByType.output);
  return bytes;
}

/** The model's bytes after n layers of GPU offload, split host / device. */
function splitWeights(model: ModelDescription, gpuLayers: number): { host: number; device: number } {
  const { gpuLayerCount, outputOnGpu } = offloadSplit(model, gpuLayers);
  const n = model.decoder.nLayer;
  let device = 0;
  for (let il = n - gpuLayerCount; il < n; il++) device += model.layerBytes[il] ?? 0;
  if (outputOnGpu) device += model.outputBytes;
  return { host: model.weightBytes - device, device };
}

export interface EstimateOptions {
  /** Flash-attention state of the encoder (clip); mtmd's "auto" turns it on where supported. */
  encoderFlashAttention?: boolean;
  /** KV cells to plan for instead of those the audio window needs (a context created with an explicit size). */
  nCtx?: number;
}

/** Predicted allocation of one configuration on one machine, per memory pool. */
export function estimateMemory(
  model: ModelDescription,
  config: RunConfig,
  hw: HardwareInfo,
  options: EstimateOptions = {},
): MemoryEstimate {
  const planned = contextPlan(model, config);
  const context = options.nCtx !== undefined ? { ...planned, nCtx: pad(options.nCtx, 256) } : planned;
  const perToken = kvBytesPerToken(model.decoder, config.kvTypeK, config.kvTypeV);
  const n = model.decoder.nLayer;
  const gpu = primaryGpu(hw);
  const gpuLayers = gpu ? Math.max(0, Math.min(config.gpuLayers, n + 1)) : 0;
  const { gpuLayerCount } = offloadSplit(model, gpuLayers);
  const kvTotal = perToken * context.nCtx;
  const kvDevice = (kvTotal * gpuLayerCount) / n;
  const weights = splitWeights(model, gpuLayers);
  const decoderCompute = decoderComputeBytes(
    model.decoder,
    context.nCtx,
    config.flashAttention,
    CALIBRATION.nUbatch,
    kvCacheTypeInfo(config.kvTypeV).family !== 'float' && model.decoder.headDimV % 64 === 0,
  );
  const reclaimable = repackedBytes(model, gpuLayers, hw.cpu.simd);
  const encoderCompute = model.encoder
    ? encoderComputeBytes(model.encoder, options.encoderFlashAttention ?? true)
    : 0;
  const output = outputBufferBytes(model.decoder, config.parallelWindows);

  const host = emptyBreakdown();
  const device = emptyBreakdown();
  host.weights = weights.host;
  device.weights = weights.device;
  host.kv = kvTotal - kvDevice;
  device.kv = kvDevice;
  host.overhead = CALIBRATION.runtimeOverheadRam + output;
  // Rule shared with the runtime: the audio encoder goes to the GPU (mtmd use_gpu) only when the whole decoder does;
  // a partial offload means VRAM is short, and the encoder runs once per 30 s chunk, the decoder once per token.
  const encoderOnGpu = gpuLayers > n;
  if (encoderOnGpu) {
    device.mmproj = model.mmprojBytes;
    device.computeEncoder = encoderCompute;
  } else {
    host.mmproj = model.mmprojBytes;
    host.computeEncoder = encoderCompute;
  }
  if (gpuLayers > 0) {
    // with every layer offloaded the host keeps only a staging buffer for the token-embedding lookup; layers left on
    // the CPU need the full graph there too
    device.computeDecoder = decoderCompute;
    host.computeDecoder =
      gpuLayerCount < n
        ? decoderCompute
        : 2 * model.decoder.nEmbd * Math.min(context.nCtx, CALIBRATION.nUbatch) * 4;
    device.overhead = hw.unifiedMemory ? CALIBRATION.runtimeOverheadUnified : CALIBRATION.runtimeOverheadVram;
  } else {
    host.computeDecoder = decoderCompute;
  }

  const pools: PoolUsage[] = [];
  if (hw.unifiedMemory) {
    const merged = emptyBreakdown();
    for (const key of BREAKDOWN_KEYS) merged[key] = host[key] + device[key];
    pools.push({
      pool: 'unified',
      breakdown: merged,
      total: breakdownTotal(merged),
      budget: poolBudget(hw, 'unified'),
      reclaimable,
    });
  } else {
    pools.push({
      pool: 'ram',
      breakdown: host,
      total: breakdownTotal(host),
      budget: poolBudget(hw, 'ram'),
      reclaimable,
    });
    if (gpuLayers > 0)
      pools.push({
        pool: 'vram',
        breakdown: device,
        total: breakdownTotal(device),
        budget: poolBudget(hw, 'vram'),
        reclaimable: 0,
      });
  }
  let tightest = pools[0]!;
  for (const p of pools) if (p.budget - p.total < tightest.budget - tightest.total) tightest = p;
  const headroom = tightest.budget - tightest.total;
  return {
    config: { ...config, gpuLayers },
    context,
    kvBytesPerToken: perToken,
    pools,
    fits: headroom >= 0 && context.withinContextLimit,
    headroomBytes: headroom,
    tightestPool: tightest.pool,
  };
}

export function estimateTotal(estimate: MemoryEstimate): number {
  return estimate.pools.reduce((a, p) => a + p.total, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a model description from GGUF headers

/** The part of node-llama-cpp's GgufFileInfo the model reads (metadata as nested objects or flat dotted keys). */
export interface GgufHeaderLike {
  metadata: unknown;
  tensorInfo?:
    readonly { name: string; dimensions: readonly (number | bigint)[]; ggmlType: number }[] | undefined;
}

function lookup(meta: unknown, key: string): unknown {
  if (meta && typeof meta === 'object') {
    const flat = (meta as Record<string, unknown>)[key];
    if (flat !== undefined) return flat;
  }
  let node: unknown = meta;
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function num(meta: unknown, key: string, fallback?: number): number {
  const v = lookup(meta, key);
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (fallback !== undefined) return fallback;
  throw new RotorError('MODEL_NOT_GGUF', `The model header lacks ${key}.`, {
    hint: 'The file may be damaged or not a Voxtral GGUF.',
  });
}

export function describeModel(
  variant: string,
  text: GgufHeaderLike,
  mmproj?: GgufHeaderLike,
  sizeOf: (type: number, dims: readonly (number | bigint)[]) => number = defaultTensorBytes,
): ModelDescription {
  const arch = lookup(text.metadata, 'general.architecture');
  if (typeof arch !== 'string') {
    throw new RotorError('MODEL_NOT_GGUF', 'The model header has no general.architecture.');
  }
  const tensors = text.tensorInfo ?? [];
  const embd = tensors.find((t) => t.name === 'token_embd.weight');
  const nEmbd = num(text.metadata, `${arch}.embedding_length`);
  const nHead = num(text.metadata, `${arch}.attention.head_count`);
  const headDim = num(text.metadata, `${arch}.attention.key_length`, nEmbd / nHead);
  const decoder: DecoderDims = {
    nLayer: num(text.metadata, `${arch}.block_count`),
    nEmbd,
    nFf: num(text.metadata, `${arch}.feed_forward_length`),
    nHead,
    nHeadKv: num(text.metadata, `${arch}.attention.head_count_kv`, nHead),
    headDimK: headDim,
    headDimV: num(text.metadata, `${arch}.attention.value_length`, headDim),
    nVocab: num(text.metadata, `${arch}.vocab_size`, embd ? Number(embd.dimensions[1] ?? 0) : 0),
    nCtxTrain: num(text.metadata, `${arch}.context_length`, CONTEXT_LIMIT),
  };
  if (!decoder.nVocab) throw new RotorError('MODEL_NOT_GGUF', 'The model header gives no vocabulary size.');
  const layerBytes = new Array<number>(decoder.nLayer).fill(0);
  const matmul: ModelDescription['matmulBytesByType'] = {
    layers: Array.from({ length: decoder.nLayer }, () => ({})),
    output: {},
  };
  const addMatmul = (
    into: Record<number, number> | undefined,
    t: (typeof tensors)[number],
    bytes: number,
  ) => {
    if (into && t.dimensions.length === 2 && Number(t.dimensions[1]) % 8 === 0) {
      into[t.ggmlType] = (into[t.ggmlType] ?? 0) + bytes;
    }
  };
  let weightBytes = 0;
  let tokenEmbdBytes = 0;
  let outputBytes = 0;
  for (const t of tensors) {
    const bytes = sizeOf(t.ggmlType, t.dimensions);
    weightBytes += bytes;
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) {
      layerBytes[Number(m[1])] = (layerBytes[Number(m[1])] ?? 0) + bytes;
      addMatmul(matmul.layers[Number(m[1])], t, bytes);
    } else if (t.name.startsWith('token_embd')) tokenEmbdBytes += bytes;
    else {
      outputBytes += bytes;
      addMatmul(matmul.output, t, bytes);
    }
  }
  let encoder: EncoderDims | null = null;
  let mmprojBytes = 0;
  if (mmproj) {
    encoder = {
      nLayer: num(mmproj.metadata, 'clip.audio.block_count'),
      nEmbd: num(mmproj.metadata, 'clip.audio.embedding_length'),
      nFf: num(mmproj.metadata, 'clip.audio.feed_forward_length'),
      nHead: num(mmproj.metadata, 'clip.audio.attention.head_count'),
      nMel: num(mmproj.metadata, 'clip.audio.num_mel_bins', 128),
      positions: 1500,
      projDim: num(mmproj.metadata, 'clip.audio.projection_dim', decoder.nEmbd),
    };
    for (const t of mmproj.tensorInfo ?? []) mmprojBytes += sizeOf(t.ggmlType, t.dimensions);
  }
  return {
    variant,
    decoder,
    weightBytes,
    layerBytes,
    tokenEmbdBytes,
    outputBytes,
    matmulBytesByType: matmul,
    encoder,
    mmprojBytes,
    approximate: false,
  };
}
