/**
 * Recommendation: the most accurate and fastest configuration that fits the machine with a safety margin, one
 * sentence why, and the better-looking options that were rejected with their reason. Pure.
 */
import { RotorError } from '@common/errors';
import { bitsPerValue, isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import {
  KV_PAIR_LADDER,
  KV_QUALITY_SOURCE,
  belowFourBitQuality,
  measuredKvQuality,
  samePair,
  type KvPair,
} from '@common/kv-quality';
import type {
  AdvisorReport,
  Alternative,
  CacheTypeRow,
  EvaluateResult,
  HardwareInfo,
  MemoryEstimate,
  Recommendation,
  RunConfig,
  RunOverrides,
  SpeedEstimate,
  TokenRate,
  WeightsVariant,
} from '@common/advisor-types';
import { estimateMemory, estimateTotal, primaryGpu } from './memory-model';
import { formatBytes } from '@common/format-bytes';
import { describeSpeed, estimateSpeed, mmprojTypeOf } from './speed-model';

/**
 * Cache types (K = V) by quality, best first: the same-type steps of the measured ladder (common/kv-quality.ts,
 * KL from f16 on trained weights), for the type pickers and the reasons that name single types.
 */
export const KV_QUALITY_ORDER: readonly KvCacheType[] = KV_PAIR_LADDER.filter((p) => p.k === p.v).map(
  (p) => p.k,
);
const WINDOW_LADDER = [1800, 1200, 900, 600, 300, 120, 60, 30];
/**
 * CPU plans' windows: on a CPU every text token's decode step reads the whole window's cache, so shorter windows
 * decode faster for the same encoder chunks — the speed model puts 60 s at 1.11x the speed of 120 s for q8_0 (0.908x
 * vs 0.817x real time, AVX-512 calibration, 2 threads); issue 19's request from the speed work.
 */
export const CPU_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 3600;
export const MAX_PARALLEL = 16;

export interface AdvisorInput {
  hardware: HardwareInfo;
  variants: readonly WeightsVariant[];
  /** Cache types the runtime was built with; default every type of the quality order. */
  supportedKvTypes?: readonly KvCacheType[];
  tokenRate?: TokenRate;
}

type Mode = 'gpu' | 'partial' | 'cpu';

interface Targets {
  windowSeconds: number;
  parallel: number;
  weights: string[];
  kvOrder: KvPair[];
}

/** The GPUs llama.cpp offloads layers (and their KV cache) to: discrete ones, integrated ones only when alone. */
function offloadDevices(hw: HardwareInfo): HardwareInfo['devices'] {
  const discrete = hw.devices.filter((d) => d.kind === 'gpu');
  return discrete.length > 0 ? discrete : hw.devices.filter((d) => d.kind !== 'cpu');
}

/**
 * Why a cache type is not offered for a plan on the GPU (`onGpu`) or the CPU, or undefined when it is. A type the
 * runtime has but a GPU lacks kernels for (RotorQuant on CUDA, Metal, Vulkan until they have their own) is refused by
 * the engine's guard (llama.cpp alone would abort creating the context), so it is offered only for plans that keep
 * the cache on the CPU.
 */
export function kvTypeRefusal(input: AdvisorInput, type: KvCacheType, onGpu: boolean): string | undefined {
  if (input.supportedKvTypes && !input.supportedKvTypes.includes(type)) {
    return 'not built';
  }
  if (!onGpu) return undefined;
  const lacking = offloadDevices(input.hardware).filter((d) => d.kvTypes && !d.kvTypes.includes(type));
  if (lacking.length === 0) return undefined;
  return `${lacking.map((d) => d.name).join(', ')} has no ${type} kernels (SET_ROWS / FLASH_ATTN_EXT); only the CPU runs it`;
}

/**
 * Why a K/V pair is not offered, or undefined when it is. Devices report the types they run as K = V pairs only
 * (kvTypesOn), so a mixed pair is offered for plans that keep the cache on the CPU, where every pair of built types
 * runs.
 */
export function kvPairRefusal(input: AdvisorInput, pair: KvPair, onGpu: boolean): string | undefined {
  const refusal = kvTypeRefusal(input, pair.k, onGpu) ?? kvTypeRefusal(input, pair.v, onGpu);
  if (refusal !== undefined) return refusal;
  if (onGpu && pair.k !== pair.v) return 'mixed K/V pairs run on the CPU only (GPUs report same-type pairs)';
  return undefined;
}

/** The pairs of the measured ladder this plan can use, best first. */
function supportedPairs(input: AdvisorInput, onGpu = false): KvPair[] {
  return KV_PAIR_LADDER.filter((p) => kvPairRefusal(input, p, onGpu) === undefined);
}

function supported(input: AdvisorInput, onGpu = false): KvCacheType[] {
  return KV_QUALITY_ORDER.filter((t) => kvTypeRefusal(input, t, onGpu) === undefined);
}

const pairOf = (c: Pick<RunConfig, 'kvTypeK' | 'kvTypeV'>): KvPair => ({ k: c.kvTypeK, v: c.kvTypeV });

/** "q8_0 cache", "q8_0 K / iso3 V cache". */
function cacheName(p: KvPair): string {
  return p.k === p.v ? `${p.k} cache` : `${p.k} K / ${p.v} V cache`;
}

/** What the trained-weights measurement says of a pair, for the reason sentence. */
function measuredClause(p: KvPair): string {
  const m = measuredKvQuality(p);
  if (!m || (p.k === 'f16' && p.v === 'f16')) return '';
  const d = m.werDeltaPoints;
  const dWer = d === undefined ? '' : `, WER ${d >= 0 ? '+' : ''}${d.toFixed(1)} points`;
  return ` (measured on trained weights: KL ${m.kl.toExponential(1)} from f16, top-1 ${(100 * m.top1).toFixed(1)} %${dWer} — ${KV_QUALITY_SOURCE.command}, ${KV_QUALITY_SOURCE.date})`;
}

/**
 * The sentence saying which cache types a GPU plan left out for lack of kernels, when one of them ranks above the
 * chosen type (otherwise the exclusion changed nothing worth a sentence).
 */
function gpuExclusions(input: AdvisorInput, chosen: KvCacheType): string | undefined {
  const left = KV_QUALITY_ORDER.filter(
    (t) => kvTypeRefusal(input, t, false) === undefined && kvTypeRefusal(input, t, true) !== undefined,
  );
  const rank = (t: KvCacheType) => KV_QUALITY_ORDER.indexOf(t);
  if (!left.some((t) => rank(t) < rank(chosen))) return undefined;
  const names = offloadDevices(input.hardware)
    .filter((d) => left.some((t) => d.kvTypes?.includes(t) === false))
    .map((d) => d.name);
  return `Not offered on ${names.join(', ')} (no SET_ROWS / FLASH_ATTN_EXT kernels there yet, only on the CPU): ${left.join(', ')}.`;
}

function targetsFor(input: AdvisorInput, mode: Mode): Targets {
  const hw = input.hardware;
  const have = (ids: string[]) => ids.filter((id) => input.variants.some((v) => v.id === id));
  const kv = supportedPairs(input, mode !== 'cpu');
  if (mode === 'cpu') {
    // On a CPU decoding is memory-bound: Q4_K_M reads the fewest bytes per token, and a q8_0 cache reads half of
    // f16's at no measured quality cost (KL 3.4e-4, WER +0.07 points on the trained model), so q8_0 leads there.
    // (f16 once also fell to a slow split-KV path at depth; patch 0107's fixed KV chunks replaced that path.)
    const q8: KvPair = { k: 'q8_0', v: 'q8_0' };
    const cpuKv = kv.some((p) => samePair(p, q8)) ? [q8, ...kv.filter((p) => !samePair(p, q8))] : kv;
    return {
      windowSeconds: CPU_WINDOW_SECONDS,
      parallel: hw.cpu.physicalCores >= 8 ? 2 : 1,
      weights: have(['Q4_K_M', 'Q5_K_M', 'Q8_0']),
      kvOrder: cpuKv,
    };
  }
  return {
    windowSeconds: 600,
    parallel: hw.unifiedMemory ? 2 : 4,
    // F16 weights are never proposed: Q8_0 is within noise of it and reads half the bytes per token
    weights: have(['Q8_0', 'Q5_K_M', 'Q4_K_M']),
    kvOrder: kv,
  };
}

function baseConfig(input: AdvisorInput, weights: string, kv: KvPair): RunConfig {
  return {
    weights,
    kvTypeK: kv.k,
    kvTypeV: kv.v,
    windowSeconds: 120,
    parallelWindows: 1,
    gpuLayers: 0,
    threads: Math.max(1, input.hardware.cpu.physicalCores),
    flashAttention: true,
    tokenRate: input.tokenRate ?? 'reference',
  };
}

function variantOf(input: AdvisorInput, id: string): WeightsVariant {
  const v = input.variants.find((x) => x.id === id);
  if (!v) {
    throw new RotorError('MODEL_NOT_FOUND', `No weights variant "${id}".`, {
      hint: `Choose one of ${input.variants.map((x) => x.id).join(', ')}.`,
    });
  }
  return v;
}

/** The speed model's figure for a configuration (null where it is not calibrated: GPU plans). */
export function speedOf(input: AdvisorInput, config: RunConfig): SpeedEstimate | null {
  const model = variantOf(input, config.weights).model;
  // the CPU's instruction sets pick the calibration of the kernels it runs (AVX-512 VNNI/BF16 vs AVX2)
  return estimateSpeed({
    config,
    weightBytes: model.weightBytes,
    mmproj: mmprojTypeOf(model),
    simd: input.hardware.cpu.simd,
  });
}

export function estimateConfig(input: AdvisorInput, config: RunConfig): MemoryEstimate {
  return estimateMemory(variantOf(input, config.weights).model, config, input.hardware);
}

/** Most layers that can go to the GPU with everything else unchanged (0 when not even one fits). */
function maxGpuLayers(input: AdvisorInput, config: RunConfig): number {
  const n = variantOf(input, config.weights).model.decoder.nLayer;
  let lo = 0;
  let hi = n + 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateConfig(input, { ...config, gpuLayers: mid }).fits) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function levels(t: Targets): { windowSeconds: number; parallel: number }[] {
  const out: { windowSeconds: number; parallel: number }[] = [];
  for (let p = t.parallel; p >= 1; p = p > 1 ? Math.floor(p / 2) : 0)
    out.push({ windowSeconds: t.windowSeconds, parallel: p });
  for (const w of WINDOW_LADDER) if (w < t.windowSeconds) out.push({ windowSeconds: w, parallel: 1 });
  return out;
}

/** Weights × K/V pairs in the order tried: a pair below q4_0's measured quality only with the smallest weights. */
function candidates(input: AdvisorInput, t: Targets): { weights: string; kv: KvPair }[] {
  const bytes = (id: string) => variantOf(input, id).model.weightBytes;
  const smallest = [...t.weights].sort((a, b) => bytes(a) - bytes(b))[0];
  const out: { weights: string; kv: KvPair }[] = [];
  for (const w of t.weights) {
    for (const kv of t.kvOrder) if (w === smallest || !belowFourBitQuality(kv)) out.push({ weights: w, kv });
  }
  return out;
}

function modesFor(hw: HardwareInfo): Mode[] {
  const gpu = primaryGpu(hw);
  if (!gpu) return ['cpu'];
  return hw.unifiedMemory ? ['gpu'] : ['gpu', 'partial', 'cpu'];
}

function search(
  input: AdvisorInput,
): { config: RunConfig; estimate: MemoryEstimate; mode: Mode; targets: Targets } | null {
  for (const mode of modesFor(input.hardware)) {
    const targets = targetsFor(input, mode);
    const fullLayers = 1_000;
    for (const level of levels(targets)) {
      for (const c of candidates(input, targets)) {
        const config: RunConfig = {
          ...baseConfig(input, c.weights, c.kv),
          windowSeconds: level.windowSeconds,
          parallelWindows: level.parallel,
          gpuLayers: mode === 'cpu' ? 0 : fullLayers,
        };
        if (mode === 'partial') {
          const g = maxGpuLayers(input, config);
          if (g < 1) continue;
          config.gpuLayers = g;
        }
        const estimate = estimateConfig(input, config);
        if (estimate.fits) return { config: estimate.config, estimate, mode, targets };
      }
    }
  }
  return null;
}

function describe(c: RunConfig): string {
  return `${c.weights} weights, ${cacheName(pairOf(c))}, ${c.windowSeconds} s windows × ${c.parallelWindows}`;
}

function shortfall(e: MemoryEstimate): string {
  if (!e.context.withinContextLimit) {
    return `a ${e.config.windowSeconds} s window needs ${e.context.tokensPerWindow} tokens, over the model's ${e.context.contextLimit}-token context`;
  }
  const pool = e.pools.find((p) => p.pool === e.tightestPool)!;
  return `would need ${formatBytes(-e.headroomBytes)} more than the ${formatBytes(pool.budget)} ${poolName(pool.pool)} budget`;
}

export function poolName(pool: string): string {
  return pool === 'vram' ? 'VRAM' : pool === 'unified' ? 'unified-memory' : 'RAM';
}

function where(c: RunConfig, n: number): string {
  if (c.gpuLayers === 0) return 'on the CPU';
  if (c.gpuLayers >= n + 1) return 'fully on the GPU';
  return `with ${Math.max(0, c.gpuLayers - 1)} of ${n} layers on the GPU`;
}

function alternativesFor(
  input: AdvisorInput,
  chosen: MemoryEstimate,
  mode: Mode,
  targets: Targets,
): Alternative[] {
  const c = chosen.config;
  const out: Alternative[] = [];
  const add = (label: string, config: RunConfig, whyFits: string) => {
    const e = estimateConfig(input, config);
    out.push({
      label,
      config: e.config,
      totalBytes: estimateTotal(e),
      fits: e.fits,
      reason: e.fits ? whyFits : shortfall(e),
    });
  };
  // every K/V pair of better measured quality than the chosen one, and every more accurate weights variant
  const pairs = supportedPairs(input, c.gpuLayers > 0);
  const chosenAt = pairs.findIndex((p) => samePair(p, pairOf(c)));
  for (const kv of pairs.slice(0, Math.max(0, chosenAt))) {
    const fitsWhy =
      mode === 'cpu' && kv.k === 'f16'
        ? 'fits, but f16 decoding at depth is several times slower on a CPU'
        : 'fits, but only with smaller weights or windows';
    add(cacheName(kv), { ...c, kvTypeK: kv.k, kvTypeV: kv.v }, fitsWhy);
  }
  const rank = (id: string) => input.variants.find((v) => v.id === id)?.qualityRank ?? Infinity;
  const better = input.variants
    .filter((v) => v.qualityRank < rank(c.weights))
    .sort((a, b) => a.qualityRank - b.qualityRank);
  for (const v of better) {
    const fitsWhy =
      mode === 'cpu'
        ? 'fits, but reads more bytes per generated token: slower on a CPU for a small accuracy gain'
        : targets.weights.includes(v.id)
          ? 'fits, but only with a lower-quality cache or shorter windows'
          : 'fits, but reads twice the bytes of Q8_0 per token for no measurable accuracy gain';
    add(`${v.id} weights`, { ...c, weights: v.id }, fitsWhy);
  }
  if (c.windowSeconds < targets.windowSeconds || c.parallelWindows < targets.parallel) {
    add(
      `${targets.windowSeconds} s windows × ${targets.parallel}`,
      { ...c, windowSeconds: targets.windowSeconds, parallelWindows: targets.parallel },
      'fits',
    );
  }
  const n = variantOf(input, c.weights).model.decoder.nLayer;
  if (primaryGpu(input.hardware) && c.gpuLayers < n + 1)
    add('everything on the GPU', { ...c, gpuLayers: n + 1 }, 'fits');
  return out;
}

function whySentence(
  input: AdvisorInput,
  e: MemoryEstimate,
  mode: Mode,
  targets: Targets,
  alternatives: Alternative[],
): string {
  const c = e.config;
  const n = variantOf(input, c.weights).model.decoder.nLayer;
  const pool = e.pools.find((p) => p.pool === e.tightestPool)!;
  const betterCache = alternatives.find((a) => a.label.endsWith('cache') && !a.fits);
  const chosen = pairOf(c);
  const name = c.kvTypeK === c.kvTypeV ? c.kvTypeK : `${c.kvTypeK} K / ${c.kvTypeV} V`;
  const first = targets.kvOrder[0];
  const reason =
    first && samePair(chosen, first)
      ? mode === 'cpu' && c.kvTypeK === 'q8_0' && c.kvTypeV === 'q8_0'
        ? 'q8_0 is the near-lossless cache that keeps CPU decoding fast'
        : `${name} is the best cache type`
      : betterCache
        ? `${name} is the best cache that fits${measuredClause(chosen)} (${betterCache.label} ${betterCache.reason})`
        : `${name} is the best cache that fits${measuredClause(chosen)}`;
  return `${describe(c)} ${where(c, n)}: ${reason}, and the total of ${formatBytes(pool.total)} leaves ${formatBytes(e.headroomBytes)} of the ${formatBytes(pool.budget)} ${poolName(pool.pool)} budget free.`;
}

export function recommend(input: AdvisorInput): Recommendation {
  const found = search(input);
  if (found) {
    const alternatives = alternativesFor(input, found.estimate, found.mode, found.targets);
    const speed = speedOf(input, found.config);
    const why = whySentence(input, found.estimate, found.mode, found.targets, alternatives);
    const excluded = found.config.gpuLayers > 0 ? gpuExclusions(input, found.config.kvTypeK) : undefined;
    const whyAll = excluded ? `${why} ${excluded}` : why;
    return {
      ok: true,
      config: found.config,
      estimate: found.estimate,
      why: speed ? `${whyAll} Predicted speed: ${describeSpeed(speed)}.` : whyAll,
      alternatives,
      ...(speed ? { speed } : {}),
    };
  }
  // nothing fits: report the smallest configuration and what it would take
  const smallestWeights = [...input.variants].sort((a, b) => a.model.weightBytes - b.model.weightBytes)[0];
  if (!smallestWeights) throw new RotorError('MODEL_NOT_FOUND', 'No Voxtral weights variant is known.');
  const kv = supported(input);
  const smallestKv = [...kv].sort((a, b) => bitsPerValue(a) - bitsPerValue(b))[0] ?? 'q4_0';
  const config: RunConfig = {
    ...baseConfig(input, smallestWeights.id, { k: smallestKv, v: smallestKv }),
    windowSeconds: 30,
  };
  const estimate = estimateConfig(input, config);
  const pool = estimate.pools.find((p) => p.pool === estimate.tightestPool)!;
  const needed = pool.total;
  const ramNeeded = Math.ceil((needed + (pool.pool === 'vram' ? 0 : 512 * 1024 * 1024)) / 0.8);
  const why =
    `Voxtral cannot run on this machine: even the smallest configuration (${describe(config)}) needs ${formatBytes(needed)}, ` +
    `and only ${formatBytes(pool.budget)} of ${poolName(pool.pool)} can be used safely (${formatBytes(input.hardware.ram.freeBytes)} free). ` +
    `Close other applications or use a machine with at least ${formatBytes(ramNeeded)} of free memory.`;
  return { ok: false, config: estimate.config, estimate, why, alternatives: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// Overrides and the savings view

export function applyOverrides(input: AdvisorInput, base: RunConfig, overrides: RunOverrides): RunConfig {
  const bad = (what: string, hint: string) =>
    new RotorError('IPC_INVALID_PAYLOAD', `Invalid setting: ${what}.`, { hint });
  const next: RunConfig = { ...base };
  if (overrides.weights !== undefined) {
    if (typeof overrides.weights !== 'string' || !input.variants.some((v) => v.id === overrides.weights)) {
      throw bad(
        `weights "${String(overrides.weights)}"`,
        `Choose one of ${input.variants.map((v) => v.id).join(', ')}.`,
      );
    }
    next.weights = overrides.weights;
  }
  for (const key of ['kvTypeK', 'kvTypeV'] as const) {
    const v = overrides[key];
    if (v === undefined) continue;
    if (!isKvCacheType(v))
      throw bad(`${key} "${String(v)}"`, `Choose one of ${KV_QUALITY_ORDER.join(', ')}.`);
    next[key] = v;
  }
  const int = (
    key: 'windowSeconds' | 'parallelWindows' | 'gpuLayers' | 'threads',
    min: number,
    max: number,
  ) => {
    const v = overrides[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw bad(`${key} ${String(v)}`, `Use a whole number from ${min} to ${max}.`);
    next[key] = v;
  };
  int('windowSeconds', 5, MAX_WINDOW_SECONDS);
  int('parallelWindows', 1, MAX_PARALLEL);
  int('gpuLayers', 0, 1000);
  int('threads', 1, Math.max(1, input.hardware.cpu.logicalCores));
  if (overrides.flashAttention !== undefined) next.flashAttention = Boolean(overrides.flashAttention);
  if (overrides.tokenRate !== undefined) {
    if (overrides.tokenRate !== 'pooled' && overrides.tokenRate !== 'reference')
      throw bad(`tokenRate ${String(overrides.tokenRate)}`, 'Use pooled or reference.');
    next.tokenRate = overrides.tokenRate;
  }
  // a quantized V forces flash attention in llama.cpp (llama-context.cpp)
  if (next.kvTypeV !== 'f16' && next.kvTypeV !== 'f32' && next.kvTypeV !== 'bf16') next.flashAttention = true;
  const n = variantOf(input, next.weights).model.decoder.nLayer;
  next.gpuLayers = primaryGpu(input.hardware) ? Math.min(next.gpuLayers, n + 1) : 0;
  return next;
}

/** Longest single-window duration (seconds, multiple of 10) whose configuration fits; 0 if none. */
export function maxWindowSeconds(input: AdvisorInput, config: RunConfig): number {
  let lo = 0;
  let hi = MAX_WINDOW_SECONDS / 10;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateConfig(input, { ...config, windowSeconds: mid * 10 }).fits) lo = mid;
    else hi = mid - 1;
  }
  return lo * 10;
}

/** Every K/V pair of the measured ladder, best first, with its memory and speed for the chosen plan. */
export function cacheTable(input: AdvisorInput, config: RunConfig): CacheTypeRow[] {
  return KV_PAIR_LADDER.map((pair) => {
    const refusal = kvPairRefusal(input, pair, config.gpuLayers > 0);
    const c = { ...config, kvTypeK: pair.k, kvTypeV: pair.v };
    const e = estimateConfig(input, c);
    const maxSeconds = maxWindowSeconds(input, c);
    const next = estimateConfig(input, {
      ...c,
      windowSeconds: Math.min(MAX_WINDOW_SECONDS, maxSeconds + 10),
    });
    const speed = speedOf(input, c);
    return {
      kvType: pair.k,
      ...(pair.k !== pair.v ? { kvTypeV: pair.v } : {}),
      bytesPerToken: e.kvBytesPerToken,
      kvBytes: e.kvBytesPerToken * e.context.nCtx,
      totalBytes: estimateTotal(e),
      maxWindowMinutes: maxSeconds / 60,
      windowLimit: next.context.withinContextLimit ? ('memory' as const) : ('context' as const),
      available: refusal === undefined,
      ...(refusal ? { unavailableReason: refusal } : {}),
      ...(speed ? { speedX: speed.speedX } : {}),
    };
  });
}

export function verdictOf(e: MemoryEstimate): string {
  const pool = e.pools.find((p) => p.pool === e.tightestPool)!;
  if (!e.context.withinContextLimit) return `Does not fit: ${shortfall(e)}.`;
  if (e.fits)
    return `Fits: ${formatBytes(pool.total)} of the ${formatBytes(pool.budget)} ${poolName(pool.pool)} budget, ${formatBytes(e.headroomBytes)} to spare.`;
  return `Does not fit: needs ${formatBytes(-e.headroomBytes)} more than the ${formatBytes(pool.budget)} ${poolName(pool.pool)} budget.`;
}

export function evaluate(input: AdvisorInput, base: RunConfig, overrides: RunOverrides): EvaluateResult {
  const config = applyOverrides(input, base, overrides);
  const estimate = estimateConfig(input, config);
  return { estimate, cacheTable: cacheTable(input, config), verdict: verdictOf(estimate) };
}

/** Everything the settings panel and `doctor` show, from one recommendation. */
export function advisorReport(
  input: AdvisorInput,
  recommendation: Recommendation = recommend(input),
): AdvisorReport {
  const onGpu = recommendation.config.gpuLayers > 0;
  return {
    hardware: input.hardware,
    recommendation,
    variants: input.variants.map((v) => ({
      id: v.id,
      label: v.label,
      approximate: v.model.approximate,
      weightBytes: v.model.weightBytes,
      mmprojBytes: v.model.mmprojBytes,
      layers: v.model.decoder.nLayer,
    })),
    kvTypes: KV_QUALITY_ORDER.map((type) => {
      const refusal = kvTypeRefusal(input, type, onGpu);
      return {
        type,
        available: refusal === undefined,
        ...(refusal ? { unavailableReason: refusal } : {}),
        bitsPerValue: bitsPerValue(type),
      };
    }),
    cacheTable: cacheTable(input, recommendation.config),
  };
}

/** What the job runner asks before it starts: does this fit, and how many windows could run side by side. */
export function planMemory(
  input: AdvisorInput,
  config: RunConfig,
): { fits: boolean; maxParallel: number; reason: string } {
  const e = estimateConfig(input, config);
  let maxParallel = 0;
  for (let p = 1; p <= MAX_PARALLEL; p++) {
    if (!estimateConfig(input, { ...config, parallelWindows: p }).fits) break;
    maxParallel = p;
  }
  return { fits: e.fits, maxParallel, reason: verdictOf(e) };
}
