/**
 * Speed model, next to the memory model: predicted wall time per audio hour of a plan on the CPU, from measured
 * encoder time per 30 s chunk, decoder prefill tok/s and decode tok/s as functions of depth per K/V type
 * (speed-calibration.ts). A window of W s costs, per batch of P windows side by side:
 *   P × chunks × encoder  +  P × Σ prefill over the window's audio tokens at their depth
 *   +  Σ decode steps over its text (one step decodes P tokens; see PARALLEL_DECODE_COST)
 * plus the front end (ffmpeg decode + VAD). A window is what the cutter makes of a CPU plan's length: filled to the
 * whole 30 s chunks within it (common/window-budget.ts chunkFilledWindowSamples: 60 s → 59.99 s in 2 chunks, 45 s →
 * 29.99 s in 1), so the chunks predicted are the chunks a run pays for. The estimate assumes windows full of
 * speech; a recording with pauses is faster by its share of silence (shortened or never sent to the model). Pure.
 *
 * GPU plans are not calibrated: `estimateSpeed` returns null for them rather than guess.
 */
import type { ModelDescription, RunConfig, SpeedEstimate } from '@common/advisor-types';
import type { KvCacheType } from '@common/kv-cache-types';
import { bitsPerValue } from '@common/kv-cache-types';
import { SAMPLE_RATE } from '@common/audio';
import {
  AUDIO_TOKENS_PER_CHUNK,
  audioChunks,
  audioChunksForSamples,
  chunkFilledWindowSamples,
} from '@common/window-budget';
import { calibrationFor, type DepthRate, type SpeedCalibration } from './speed-calibration';

/**
 * Text tokens the model writes per second of speech: ~140 words a minute of conversation at ~1.3 Tekken tokens per
 * word (the synthetic meeting's espeak voices speak 3.2 words per second of speech, i.e. ~4 tokens).
 */
export const TEXT_TOKENS_PER_SPEECH_SEC = 3;
/** Prompt around the audio: `<s>[INST][BEGIN_AUDIO] … [/INST]lang:xx[TRANSCRIBE]`. */
const PROMPT_TOKENS = 8;
/**
 * A decode step for P sequences costs (1 + this × (P − 1)) single steps: the weights are read once for all of them,
 * the attention and the per-token arithmetic are not. Assumed, not measured on the calibration box.
 */
export const PARALLEL_DECODE_COST = 0.5;
/** ffmpeg decode + Silero VAD: ~150 audio seconds per CPU second (main/engine/audio/README.md, 2-core box). */
export const FRONT_END_AUDIO_SEC_PER_CPU_SEC = 150;
/** How the prefill time of other weights scales with their size (host: F16 vs Q4_K_M audio prefill 0.75x). */
const PREFILL_WEIGHT_EXPONENT = 0.2;
const UBATCH = 512;
const DECODE_STEP_GROUP = 16;

export type MmprojType = 'F16' | 'Q8_0';

export interface SpeedInput {
  config: RunConfig;
  /** Bytes of the plan's text weights (decode reads them once per step). */
  weightBytes: number;
  mmproj?: MmprojType;
  calibration?: SpeedCalibration;
  /** The CPU's instruction-set flags (HardwareInfo.cpu.simd): pick the calibration of its kernels when none is given. */
  simd?: readonly string[];
  /**
   * How full the 30 s encoder chunks a recording pays for are (default 1: windows of continuous speech). mtmd pads a
   * window's last chunk to 30 s, and the cutter closes a window at any pause over 3 s, so a meeting's windows rarely
   * end on a chunk boundary: the synthetic meeting fills 64 % of its chunks with 28 s windows, 69 % with 120 s ones
   * (bench/timestamps.ts). The encoder and the audio prefill cost per chunk, so they grow by 1 / chunkFill.
   */
  chunkFill?: number;
}

export type { SpeedEstimate };

/**
 * The mmproj's weight type from its size: F16 stores ~16 bits per encoder weight, Q8_0 8.5 (the published GGUFs
 * ship both; the catalog counts the Q8_0 one). Without encoder dimensions, F16.
 */
export function mmprojTypeOf(model: Pick<ModelDescription, 'encoder' | 'mmprojBytes'>): MmprojType {
  const e = model.encoder;
  if (!e) return 'F16';
  const params =
    e.nLayer * (4 * e.nEmbd * e.nEmbd + 2 * e.nEmbd * e.nFf) + 4 * e.nEmbd * e.projDim + e.projDim ** 2;
  return (model.mmprojBytes * 8) / params > 12 ? 'F16' : 'Q8_0';
}

/** Piecewise-linear in seconds per token between measured depths; linear extrapolation past the last two. */
export function secPerToken(points: readonly DepthRate[], depth: number): number {
  const pts = [...points].sort((a, b) => a.depth - b.depth);
  const first = pts[0];
  if (!first) throw new RangeError('no calibration points');
  if (pts.length === 1 || depth <= first.depth) return 1 / first.tokPerSec;
  let k = 1;
  while (k < pts.length - 1 && depth > pts[k]!.depth) k++;
  const a = pts[k - 1]!;
  const b = pts[k]!;
  const t = (depth - a.depth) / (b.depth - a.depth);
  return Math.max(1 / first.tokPerSec, 1 / a.tokPerSec + t * (1 / b.tokPerSec - 1 / a.tokPerSec));
}

/** The calibrated table for a cache type: the type itself, its RotorQuant twin, or the nearest by bits. */
function decodeTable(cal: SpeedCalibration, type: KvCacheType): DepthRate[] {
  const twin: Partial<Record<KvCacheType, KvCacheType>> = {
    planar3: 'iso3',
    planar4: 'iso4',
    planar2: 'iso3',
    iso2: 'iso3',
    bf16: 'f16',
    f32: 'f16',
  };
  const direct = cal.decodeTokPerSec[type] ?? cal.decodeTokPerSec[twin[type] ?? type];
  if (direct) return direct;
  const fallback = bitsPerValue(type) >= 5 ? cal.decodeTokPerSec.q8_0 : cal.decodeTokPerSec.q4_0;
  if (!fallback) throw new RangeError(`no decode calibration for ${type}`);
  return fallback;
}

function prefillRate(cal: SpeedCalibration, type: KvCacheType): number {
  const twin = type.startsWith('planar') || type.startsWith('iso') ? 'iso3' : 'q8_0';
  const rate = cal.prefillTokPerSec[type] ?? cal.prefillTokPerSec[twin];
  if (!rate) throw new RangeError(`no prefill calibration for ${type}`);
  return rate;
}

/** Seconds to decode `tokens` tokens of one sequence starting at `depth`, with K and V of the given types. */
export function decodeSeconds(
  cal: SpeedCalibration,
  kv: { k: KvCacheType; v: KvCacheType },
  depth: number,
  tokens: number,
  weightScale = 1,
): number {
  const tk = decodeTable(cal, kv.k);
  const tv = decodeTable(cal, kv.v);
  const step = (d: number): number => {
    const t = (secPerToken(tk, d) + secPerToken(tv, d)) / 2;
    // the shallowest step is mostly reading the weights: that part scales with their size
    const weightsPart = Math.min(secPerToken(tk, 0), secPerToken(tv, 0));
    return t + weightsPart * (weightScale - 1);
  };
  let sec = 0;
  for (let done = 0; done < tokens; done += DECODE_STEP_GROUP) {
    const n = Math.min(DECODE_STEP_GROUP, tokens - done);
    sec += n * step(depth + done + n / 2);
  }
  return sec;
}

/** Seconds to prefill `tokens` positions of one sequence from an empty cache. */
export function prefillSeconds(cal: SpeedCalibration, kvK: KvCacheType, tokens: number): number {
  const rate0 = prefillRate(cal, kvK);
  let sec = 0;
  for (let done = 0; done < tokens; done += UBATCH) {
    const n = Math.min(UBATCH, tokens - done);
    const shape = 1 / secPerToken(cal.prefillDepthShape, done + n / 2);
    sec += n / (rate0 * shape);
  }
  return sec;
}

export function estimateSpeed(input: SpeedInput): SpeedEstimate | null {
  const c = input.config;
  if (c.gpuLayers > 0) return null;
  const cal = input.calibration ?? calibrationFor(input.simd);
  const threadFactor = (exp: number): number => (cal.threads / Math.max(1, c.threads)) ** exp;
  const weightScale = input.weightBytes / cal.weightBytes;
  const p = c.parallelWindows;
  // the window as the cutter fills it (see the module comment)
  const windowSamples = chunkFilledWindowSamples(c.windowSeconds);
  const windowSec = windowSamples / SAMPLE_RATE;
  const chunks = audioChunksForSamples(windowSamples);
  const tokensPerChunk =
    c.tokenRate === 'pooled' ? Math.ceil(AUDIO_TOKENS_PER_CHUNK / 2) : AUDIO_TOKENS_PER_CHUNK;
  const audioTokens = PROMPT_TOKENS + chunks * tokensPerChunk;
  const textTokens = Math.round(TEXT_TOKENS_PER_SPEECH_SEC * windowSec);

  const fill = Math.min(1, Math.max(0.05, input.chunkFill ?? 1));
  const encoderSec =
    (p * chunks * cal.encoderMsPerChunk[input.mmproj ?? 'F16'] * threadFactor(cal.threadScaling.encoder)) /
    1000;
  const prefillSec =
    p *
    prefillSeconds(cal, c.kvTypeK, audioTokens) *
    weightScale ** PREFILL_WEIGHT_EXPONENT *
    threadFactor(cal.threadScaling.prefill);
  const decodeSec =
    decodeSeconds(cal, { k: c.kvTypeK, v: c.kvTypeV }, audioTokens, textTokens, weightScale) *
    (1 + PARALLEL_DECODE_COST * (p - 1)) *
    threadFactor(cal.threadScaling.decode);
  const totalSec = (encoderSec + prefillSec) / fill + decodeSec;
  const frontEndSecPerAudioHour = 3600 / FRONT_END_AUDIO_SEC_PER_CPU_SEC;
  const wallSecPerAudioHour = (totalSec * 3600) / (p * windowSec) + frontEndSecPerAudioHour;
  return {
    calibration: cal.id,
    batch: { encoderSec, prefillSec, decodeSec, totalSec },
    audioTokensPerWindow: audioTokens,
    audioSecPerWindow: windowSec,
    chunksPerWindow: chunks,
    textTokensPerWindow: textTokens,
    frontEndSecPerAudioHour,
    wallSecPerAudioHour,
    speedX: 3600 / wallSecPerAudioHour,
  };
}

/**
 * Predicted seconds for one window as a job actually ran it (a single sequence): the audio the model heard (after
 * pauses were shortened), the text it wrote. For comparing a run with the model window by window (bench/e2e.ts).
 */
export function windowSeconds(input: {
  config: RunConfig;
  weightBytes: number;
  mmproj?: MmprojType;
  calibration?: SpeedCalibration;
  simd?: readonly string[];
  audioSec: number;
  textTokens: number;
}): { encoderSec: number; prefillSec: number; decodeSec: number } {
  const c = input.config;
  const cal = input.calibration ?? calibrationFor(input.simd);
  const threadFactor = (exp: number): number => (cal.threads / Math.max(1, c.threads)) ** exp;
  const weightScale = input.weightBytes / cal.weightBytes;
  const chunks = audioChunks(input.audioSec);
  const tokensPerChunk =
    c.tokenRate === 'pooled' ? Math.ceil(AUDIO_TOKENS_PER_CHUNK / 2) : AUDIO_TOKENS_PER_CHUNK;
  const audioTokens = PROMPT_TOKENS + chunks * tokensPerChunk;
  return {
    encoderSec:
      (chunks * cal.encoderMsPerChunk[input.mmproj ?? 'F16'] * threadFactor(cal.threadScaling.encoder)) /
      1000,
    prefillSec:
      prefillSeconds(cal, c.kvTypeK, audioTokens) *
      weightScale ** PREFILL_WEIGHT_EXPONENT *
      threadFactor(cal.threadScaling.prefill),
    decodeSec:
      decodeSeconds(cal, { k: c.kvTypeK, v: c.kvTypeV }, audioTokens, input.textTokens, weightScale) *
      threadFactor(cal.threadScaling.decode),
  };
}

/** "0.74x real time (1 h of speech in 1 h 21 min)" */
export function describeSpeed(s: SpeedEstimate): string {
  const min = Math.round(s.wallSecPerAudioHour / 60);
  const wall = min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`;
  return `${s.speedX.toFixed(2)}x real time (1 h of speech in ${wall})`;
}
