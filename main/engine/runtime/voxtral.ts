/**
 * Voxtral on llama.cpp + libmtmd: load a model + mmproj, create contexts, transcribe windows of 16 kHz PCM (several
 * at once as parallel sequences), ask questions about audio, and read next-token logits. All heavy work runs on
 * native threads; this module validates inputs, pre-checks files and memory, and turns native failures into
 * RotorErrors.
 */
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { SAMPLE_RATE } from '@common/audio';
import { KV_TYPE_UNSUPPORTED_HINT, RotorError, isErrorCode } from '@common/errors';
import type { StopReason } from '../stop-reason';
import { isKvCacheType, kvCacheTypeInfo, rowBytes, type KvCacheType } from '@common/kv-cache-types';
import { readGgufHeader, tensorDataExtent, type GgufHeader } from '../gguf';
import { VOXTRAL_MODEL_READ, checkVoxtralPair, metaNumber } from '../gguf/voxtral-pair';
import {
  loadAddon,
  type NativeAddon,
  type NativeContextInfo,
  type NativeDevice,
  type NativeErrorEvent,
  type NativeGenerateResult,
  type NativeHandle,
  type NativeLogLevel,
  type NativeMemoryEntry,
  type NativeModelInfo,
  type NativeSequenceRequest,
  type NativeSequenceResult,
  type RotorQuantScale,
} from './native';
import { kvTypeSupported } from './kv-support';
import { buildAskPrompt, buildTranscribePrompt } from './prompts';

/** 'reference': 375 tokens / 30 s, as Voxtral was trained (HF transformers); 'pooled': llama.cpp's 188 / 30 s. */
export type AudioTokenRate = 'reference' | 'pooled';
export const DEFAULT_AUDIO_TOKEN_RATE: AudioTokenRate = 'reference';
/** The model card's usable context; GGUFs advertise 131072 from max_position_embeddings. */
export const VOXTRAL_MAX_CONTEXT = 32768;
export { SAMPLE_RATE };

export interface LoadVoxtralOptions {
  modelPath: string;
  mmprojPath: string;
  /** Text-model layers offloaded to the GPU (0 = CPU only, -1 = all). */
  gpuLayers?: number;
  /** Run the audio encoder on the GPU when one exists. */
  mmprojGpu?: boolean;
  threads?: number;
  useMmap?: boolean;
  audioTokenRate?: AudioTokenRate;
  /** Reserve the encoder's compute buffer at load time (fail early on memory). */
  warmup?: boolean;
  /**
   * Hold the encoder's F16 matmul weights as BF16 (same memory). Default: where the CPU runs the encoder with a
   * native BF16 dot product (AVX512_BF16), ~2x faster there; false keeps the file's F16.
   */
  encoderBf16?: boolean;
  onProgress?: (fraction: number) => void;
}

export interface ContextOptions {
  /** Total KV cells (shared by the parallel sequences unless kvUnified is false: then each gets contextSize / parallel). */
  contextSize?: number;
  typeK?: KvCacheType;
  typeV?: KvCacheType;
  flashAttention?: 'auto' | 'on' | 'off';
  /** Parallel sequences (windows decoded together). */
  parallel?: number;
  batchSize?: number;
  ubatchSize?: number;
  threads?: number;
  threadsBatch?: number;
  kvUnified?: boolean;
}

export interface AudioWindow {
  pcm: Float32Array;
  /** Defaults to 16000; anything else is rejected (resample first). */
  sampleRate?: number;
  /** ISO 639-1 code; omitted = auto-detect. */
  language?: string;
  maxTokens?: number;
  repetitionPenalty?: number;
  /**
   * Tokens this window already decoded (greedy, same settings) before it was interrupted: they are forced after the
   * audio and decoding continues from there. The result includes them, and a piece event is sent for each.
   */
  prefixTokens?: ArrayLike<number>;
}

export type { StopReason };

export interface WindowTranscript {
  text: string;
  tokens: Int32Array;
  stopReason: StopReason;
  promptTokens: number;
  audioTokens: number;
}

export interface GenerationTimings {
  encodeMs: number;
  /** Decoder time for the whole prompt (text chunks and audio embeddings). */
  prefillMs: number;
  /** The audio embeddings' share of prefillMs. */
  audioPrefillMs: number;
  decodeMs: number;
  prefillTokens: number;
  decodeSteps: number;
  /** Tokens fed through the decoder after the prompt, forced ones included. */
  decodedTokens: number;
  /** Of decodedTokens, those given rather than chosen (a resumed window's saved tokens, or evaluation). */
  forcedTokens: number;
  /** The log-mel spectrograms (mtmd_tokenize) in all, on either thread; 0 from an addon without the figure. */
  tokenizeMs: number;
  /** Of tokenizeMs, what the decode waited for (a window's spectrogram not computed ahead of its slot). */
  tokenizeWaitMs: number;
  /** A stream with every slot empty, waiting for the next window. */
  idleMs: number;
}

export interface TranscribeOptions {
  /** Default for windows that do not set their own. */
  language?: string;
  maxTokens?: number;
  signal?: AbortSignal;
  onPiece?: (windowIndex: number, text: string, token: number) => void;
}

export interface TranscribeResult {
  windows: WindowTranscript[];
  timings: GenerationTimings;
}

/** Windows fed to a context while it decodes (VoxtralContext.openStream). */
export interface TranscribeStream {
  /** Queues a window; `index` is what onPiece reports for it (submission order from 0). */
  submit(window: AudioWindow): { index: number; result: Promise<WindowTranscript> };
  /** No more windows: resolves with the stream's timings once every window is done. */
  close(): Promise<GenerationTimings>;
  /** Stops every window of the stream (their results reject with CANCELLED). */
  cancel(): void;
}

export interface AskOptions {
  maxTokens?: number;
  signal?: AbortSignal;
  onPiece?: (text: string, token: number) => void;
}

export interface EvaluateLogitsOptions {
  /** Prompt to evaluate: transcription (optionally with a language) or a question (understanding mode). */
  language?: string;
  question?: string;
  /** Teacher-forced continuation: logits come back for the prompt end and after each forced token. */
  forcedTokens?: ArrayLike<number>;
  /** Without forced tokens: greedy steps to take (rows returned = steps, the last one after the last token). */
  steps?: number;
  signal?: AbortSignal;
}

export interface LogitsResult {
  nVocab: number;
  /** One row of raw logits per step. */
  rows: Float32Array[];
  /** The tokens chosen (forced or greedy). */
  tokens: Int32Array;
  promptTokens: number;
  audioTokens: number;
}

export interface MemoryReport {
  buffers: NativeMemoryEntry[];
  /** Sums over buffers. */
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
  /** Audio encoder (mmproj) weights and compute buffers, allocated by mtmd outside llama's accounting. */
  mmprojWeightsBytes: number;
  mmprojComputeBytes: number;
  /** What the KV cache should take by arithmetic: contextSize × per-token bytes. */
  expectedKvBytes: number;
  devices: NativeDevice[];
}

function addon(): NativeAddon {
  return loadAddon();
}

function nativeError(ev: NativeErrorEvent): RotorError {
  const code = isErrorCode(ev.code) ? ev.code : 'INTERNAL';
  // the addon's message names the device, the op and the type; what to do about it is the same every time
  return new RotorError(
    code,
    ev.message,
    code === 'KV_TYPE_UNSUPPORTED' ? { hint: KV_TYPE_UNSUPPORTED_HINT } : {},
  );
}

/** The addon throws plain Errors with a `code` (ENGINE_BUSY for a context in use): make them RotorErrors. */
function thrownByNative(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && !(e instanceof RotorError) && isErrorCode(code)
    ? new RotorError(code, e.message, { cause: e })
    : e;
}

function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw thrownByNative(e);
  }
}

export function listDevices(): NativeDevice[] {
  return addon().listDevices();
}

/** llama.cpp logs nothing by default; pass a function to receive its lines. */
export function setNativeLogger(
  fn: ((level: NativeLogLevel, text: string) => void) | null,
  minLevel: NativeLogLevel = 'warn',
): void {
  addon().setLogger(fn, minLevel);
}

/**
 * For benches and tests only: overrides RotorQuant's clipping weight and scale for every later quantization (omit
 * both to restore the built-in values). Never in production: it is process-wide and refused while a job runs.
 */
export function setRotorQuantTuningForMeasurements(tuning: {
  overloadWeight?: number;
  scale?: RotorQuantScale;
}): void {
  if (tuning.overloadWeight !== undefined && !(tuning.overloadWeight >= 0)) {
    throw new RotorError(
      'INTERNAL',
      `the clipping weight must be a number >= 0, got ${tuning.overloadWeight}`,
    );
  }
  callNative(() => addon().setRotorQuantTuning(tuning));
}

export { kvTypeSupported };

// ---- file pre-checks -------------------------------------------------------------------------------------------

async function checkGguf(path: string, role: 'model' | 'mmproj'): Promise<GgufHeader> {
  if (!existsSync(path)) {
    throw new RotorError(
      'MODEL_NOT_FOUND',
      `The ${role === 'model' ? 'model' : 'audio encoder (mmproj)'} file does not exist: ${path}`,
    );
  }
  // the reader's errors are already typed (MODEL_TRUNCATED, MODEL_NOT_GGUF, FILE_UNREADABLE) and name the path
  // the text model's vocabulary is read too: checkVoxtralPair looks for Voxtral's audio tokens in it
  const header = await readGgufHeader(path, role === 'model' ? VOXTRAL_MODEL_READ : {});
  const types = addon();
  const extent = tensorDataExtent(header, (t) => {
    const info = types.typeInfo(t);
    return info ? [info.blockValues, info.blockBytes] : null;
  });
  if (extent > header.fileSize) {
    throw new RotorError(
      'MODEL_TRUNCATED',
      `${path} has ${header.fileSize} bytes but its tensors need ${extent}`,
      {
        hint: 'The download is incomplete: download the file again.',
      },
    );
  }
  return header;
}

function tensorBytes(h: GgufHeader): number {
  return (
    tensorDataExtent(h, (t) => {
      const info = addon().typeInfo(t);
      return info ? [info.blockValues, info.blockBytes] : null;
    }) - h.dataOffset
  );
}

// ---- audio validation ------------------------------------------------------------------------------------------

function checkWindow(w: AudioWindow, index: number, sampleRate: number): void {
  if (!(w.pcm instanceof Float32Array)) {
    throw new RotorError('AUDIO_BAD_FORMAT', `window ${index}: audio must be a Float32Array of PCM samples`);
  }
  if (w.pcm.length === 0) throw new RotorError('AUDIO_BAD_FORMAT', `window ${index}: the audio is empty`);
  const rate = w.sampleRate ?? SAMPLE_RATE;
  if (rate !== sampleRate) {
    throw new RotorError(
      'AUDIO_BAD_FORMAT',
      `window ${index}: audio is ${rate} Hz, the model needs ${sampleRate} Hz mono`,
      {
        hint: 'Resample to 16 kHz mono first.',
      },
    );
  }
  for (let i = 0; i < w.pcm.length; i++) {
    if (!Number.isFinite(w.pcm[i]))
      throw new RotorError('AUDIO_BAD_FORMAT', `window ${index}: sample ${i} is not a finite number`);
  }
}

function positiveInt(
  value: number | undefined,
  fallback: number,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > max)
    throw new RotorError('INTERNAL', `${name} must be an integer in 1..${max}, got ${v}`);
  return v;
}

// ---- runs ------------------------------------------------------------------------------------------------------

interface RunOptions {
  maxTokens: number;
  captureLogits: boolean;
  signal: AbortSignal | undefined;
  onPiece: ((seq: number, text: string, token: number) => void) | undefined;
}

function runGenerate(
  handle: NativeHandle,
  requests: NativeSequenceRequest[],
  opts: RunOptions,
): Promise<NativeGenerateResult> {
  if (opts.signal?.aborted) return Promise.reject(new RotorError('CANCELLED'));
  const native = addon();
  return new Promise<NativeGenerateResult>((resolve, reject) => {
    const onAbort = (): void => native.cancel(handle);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
    // A throwing onPiece stops the decode; the call then fails with what it threw, once the context is free.
    const pieces = new PieceRelay(() => native.cancel(handle), opts.onPiece);
    try {
      native.generate(
        handle,
        requests,
        { maxTokens: opts.maxTokens, captureLogits: opts.captureLogits, stream: opts.onPiece !== undefined },
        (ev) => {
          if (ev.type === 'piece') pieces.deliver(ev);
          else if (ev.type !== 'sequence') {
            // (sequence events come from open generates only)
            done();
            if (pieces.failed) reject(pieces.error);
            else if (ev.type === 'error') reject(nativeError(ev));
            else if (ev.result.cancelled) reject(new RotorError('CANCELLED'));
            else resolve(ev.result);
          }
        },
      );
    } catch (e) {
      done();
      reject(thrownByNative(e));
    }
  });
}

/** Piece events to a listener; one that throws cancels the decode, which then fails with what it threw. */
class PieceRelay {
  failed = false;
  error: unknown;

  constructor(
    private readonly cancel: () => void,
    private readonly listener: ((seq: number, text: string, token: number) => void) | undefined,
  ) {}

  deliver(ev: { seq: number; text: string; token: number }): void {
    if (this.failed || !(ev.text.length > 0 || ev.token >= 0)) return;
    try {
      this.listener?.(ev.seq, ev.text, ev.token);
    } catch (e) {
      this.failed = true;
      this.error = e;
      this.cancel();
    }
  }
}

function timings(r: NativeGenerateResult): GenerationTimings {
  return {
    encodeMs: r.encodeMs,
    prefillMs: r.prefillMs,
    audioPrefillMs: r.audioPrefillMs,
    decodeMs: r.decodeMs,
    prefillTokens: r.nPrefillTokens,
    decodeSteps: r.nDecodeSteps,
    decodedTokens: r.nDecodedTokens,
    forcedTokens: r.nForcedTokens ?? 0,
    tokenizeMs: r.tokenizeMs ?? 0,
    tokenizeWaitMs: r.tokenizeWaitMs ?? 0,
    idleMs: r.idleMs ?? 0,
  };
}

/** An addon built before continuation existed stops after the forced tokens: nothing usable came back. */
function noForcedContinuation(): RotorError {
  return new RotorError('ENGINE_CRASHED', 'The native engine cannot resume a window from its saved tokens.', {
    hint: 'Rebuild the native engine (npm run build:native).',
    detail: 'no_forced_continuation',
  });
}

function windowTranscript(s: NativeSequenceResult): WindowTranscript {
  return {
    text: s.text,
    tokens: s.tokens,
    stopReason: s.stop as StopReason,
    promptTokens: s.nPromptTokens,
    audioTokens: s.nAudioTokens,
  };
}

// ---- model -----------------------------------------------------------------------------------------------------

export class VoxtralModel {
  private handle: NativeHandle | undefined;
  private readonly contexts = new Set<VoxtralContext>();

  /** @internal use loadVoxtral */
  constructor(
    handle: NativeHandle,
    readonly info: NativeModelInfo,
    readonly audioTokenRate: AudioTokenRate,
    readonly headDim: number,
    readonly mmprojWeightsBytes: number,
    readonly paths: { model: string; mmproj: string },
  ) {
    this.handle = handle;
  }

  get disposed(): boolean {
    return this.handle === undefined;
  }

  /** @internal */
  nativeHandle(): NativeHandle {
    if (!this.handle) throw new RotorError('INTERNAL', 'the model was disposed');
    return this.handle;
  }

  /** KV cache bytes one token position takes across all layers with these K/V types. */
  kvBytesPerToken(typeK: KvCacheType, typeV: KvCacheType): number {
    const perLayer = this.info.nHeadKv * this.headDim;
    return this.info.nLayer * (rowBytes(typeK, perLayer) + rowBytes(typeV, perLayer));
  }

  tokenize(text: string, opts: { addSpecial?: boolean; parseSpecial?: boolean } = {}): Int32Array {
    return callNative(() =>
      addon().tokenize(this.nativeHandle(), text, opts.addSpecial ?? false, opts.parseSpecial ?? true),
    );
  }

  detokenize(tokens: ArrayLike<number>, special = false): string {
    return callNative(() => addon().detokenize(this.nativeHandle(), Int32Array.from(tokens), special));
  }

  async createContext(opts: ContextOptions = {}): Promise<VoxtralContext> {
    const handle = this.nativeHandle();
    const parallel = positiveInt(opts.parallel, 1, 'parallel', 64);
    const maxCtx = Math.min(this.info.nCtxTrain, VOXTRAL_MAX_CONTEXT);
    const nCtx = opts.contextSize ?? Math.min(8192, maxCtx);
    if (!Number.isInteger(nCtx) || nCtx < 64)
      throw new RotorError('INTERNAL', `contextSize must be an integer >= 64, got ${nCtx}`);
    // the limit is per sequence: each parallel window has its own cells unless the cache is unified
    const perSeq = opts.kvUnified ? nCtx : Math.ceil(nCtx / parallel);
    if (perSeq > maxCtx) {
      throw new RotorError(
        'CONTEXT_TOO_LARGE',
        `a sequence of ${perSeq} tokens exceeds Voxtral's usable ${maxCtx}`,
        {
          hint: `Use at most ${maxCtx} tokens (about ${Math.floor(maxCtx / (this.info.audioTokensPer30s * 2))} minutes of audio).`,
        },
      );
    }
    const typeK = opts.typeK ?? 'f16';
    const typeV = opts.typeV ?? 'f16';
    for (const t of [typeK, typeV]) {
      if (!isKvCacheType(t))
        throw new RotorError('KV_TYPE_UNSUPPORTED', `unknown KV cache type '${String(t)}'`);
      if (!kvTypeSupported(t)) {
        throw new RotorError('KV_TYPE_UNSUPPORTED', `this build of the engine has no '${t}' KV cache type`, {
          hint: 'Choose f16, q8_0 or q4_0, or rebuild the engine with the RotorQuant patches.',
        });
      }
      if (
        (this.info.nHeadKv * this.headDim) % kvCacheTypeInfo(t).blockValues !== 0 ||
        this.headDim % kvCacheTypeInfo(t).blockValues !== 0
      ) {
        throw new RotorError(
          'KV_TYPE_UNSUPPORTED',
          `'${t}' blocks do not divide the head size ${this.headDim}`,
        );
      }
    }
    const kvBytes = nCtx * this.kvBytesPerToken(typeK, typeV);
    const budget = totalmem() - this.info.modelBytes - this.mmprojWeightsBytes;
    if (kvBytes > budget) {
      throw new RotorError(
        'CONTEXT_TOO_LARGE',
        `the KV cache needs ${kvBytes} bytes, more than the ${Math.max(0, budget)} left in memory`,
        {
          hint: 'Use a smaller context, fewer parallel windows or a compressed KV cache type.',
        },
      );
    }
    const batch = positiveInt(opts.batchSize, 512, 'batchSize', 65536);
    const threads = positiveInt(opts.threads, 4, 'threads', 1024);
    const fa = opts.flashAttention === 'on' ? 1 : opts.flashAttention === 'off' ? 0 : -1;
    const native = addon();
    const { handle: ctxHandle, info } = await new Promise<{ handle: NativeHandle; info: NativeContextInfo }>(
      (resolve, reject) => {
        callNative(() =>
          native.createContext(
            handle,
            {
              nCtx,
              nBatch: batch,
              nUbatch: positiveInt(opts.ubatchSize, batch, 'ubatchSize', batch),
              nSeqMax: parallel,
              typeK: kvCacheTypeInfo(typeK).ggmlTypeId,
              typeV: kvCacheTypeInfo(typeV).ggmlTypeId,
              flashAttn: fa,
              threads,
              threadsBatch: positiveInt(opts.threadsBatch, threads, 'threadsBatch', 1024),
              kvUnified: opts.kvUnified ?? false,
            },
            (ev) =>
              ev.type === 'done' ? resolve({ handle: ev.handle, info: ev.info }) : reject(nativeError(ev)),
          ),
        );
      },
    );
    const ctx = new VoxtralContext(this, ctxHandle, info, { typeK, typeV, kvBytes }, () =>
      this.contexts.delete(ctx),
    );
    this.contexts.add(ctx);
    return ctx;
  }

  /**
   * Frees the model now (its contexts first). A decode still running stops at its next check and frees its memory
   * when its thread ends; its promise rejects with CANCELLED.
   */
  dispose(): void {
    for (const c of [...this.contexts]) c.dispose();
    if (this.handle) addon().dispose(this.handle);
    this.handle = undefined;
  }
}

export async function loadVoxtral(opts: LoadVoxtralOptions): Promise<VoxtralModel> {
  const modelHeader = await checkGguf(opts.modelPath, 'model');
  const mmprojHeader = await checkGguf(opts.mmprojPath, 'mmproj');
  checkVoxtralPair(modelHeader, mmprojHeader);
  const rate = opts.audioTokenRate ?? DEFAULT_AUDIO_TOKEN_RATE;
  const nHead = metaNumber(modelHeader, 'llama.attention.head_count') ?? 1;
  const headDim =
    metaNumber(modelHeader, 'llama.attention.key_length') ??
    Math.floor((metaNumber(modelHeader, 'llama.embedding_length') ?? 0) / nHead);
  const native = addon();
  const { handle, info } = await new Promise<{ handle: NativeHandle; info: NativeModelInfo }>(
    (resolve, reject) => {
      // a throwing onProgress cancels the load (the addon stops a job whose listener throws); the load then fails
      // with what it threw
      let progressFailed = false;
      let progressError: unknown;
      callNative(() =>
        native.loadModel(
          {
            modelPath: opts.modelPath,
            mmprojPath: opts.mmprojPath,
            nGpuLayers: opts.gpuLayers ?? 0,
            useMmap: opts.useMmap ?? true,
            mmprojGpu: opts.mmprojGpu ?? true,
            threads: positiveInt(opts.threads, 4, 'threads', 1024),
            audioAvgpool: rate === 'pooled' ? 1 : 0,
            flashAttn: -1,
            warmup: opts.warmup ?? true,
            encoderBf16: opts.encoderBf16 === undefined ? -1 : opts.encoderBf16 ? 1 : 0,
          },
          (ev) => {
            if (ev.type === 'progress') {
              try {
                opts.onProgress?.(ev.progress);
              } catch (e) {
                progressFailed = true;
                progressError = e;
                throw e;
              }
            } else if (progressFailed) reject(progressError);
            else if (ev.type === 'done') resolve({ handle: ev.handle, info: ev.info });
            else reject(nativeError(ev));
          },
        ),
      );
    },
  );
  return new VoxtralModel(handle, info, rate, headDim, tensorBytes(mmprojHeader), {
    model: opts.modelPath,
    mmproj: opts.mmprojPath,
  });
}

// ---- context ---------------------------------------------------------------------------------------------------

export class VoxtralContext {
  private handle: NativeHandle | undefined;
  private running: Promise<unknown> | undefined;

  /** @internal use VoxtralModel.createContext */
  constructor(
    readonly model: VoxtralModel,
    handle: NativeHandle,
    readonly info: NativeContextInfo,
    readonly cache: { typeK: KvCacheType; typeV: KvCacheType; kvBytes: number },
    private readonly onDispose: () => void,
  ) {
    this.handle = handle;
  }

  get disposed(): boolean {
    return this.handle === undefined;
  }

  private nativeHandle(): NativeHandle {
    if (!this.handle) throw new RotorError('INTERNAL', 'the context was disposed');
    return this.handle;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running = p.catch(() => undefined);
    return p;
  }

  /** Transcribes each window (Voxtral transcription mode) as one parallel sequence; results in window order. */
  async transcribe(
    windows: AudioWindow[] | Float32Array,
    opts: TranscribeOptions = {},
  ): Promise<TranscribeResult> {
    const list = windows instanceof Float32Array ? [{ pcm: windows }] : windows;
    if (!Array.isArray(list) || list.length === 0)
      throw new RotorError('AUDIO_BAD_FORMAT', 'no audio windows given');
    if (list.length > this.info.nSeqMax) {
      throw new RotorError(
        'CONTEXT_OVERFLOW',
        `${list.length} windows but this context decodes at most ${this.info.nSeqMax} at once`,
      );
    }
    const requests = list.map((w, i) => this.windowRequest(w, i, opts));
    const maxTokens = Math.max(...requests.map((r) => r.maxTokens ?? 512));
    const res = await this.track(
      runGenerate(this.nativeHandle(), requests, {
        maxTokens,
        captureLogits: false,
        signal: opts.signal,
        onPiece: opts.onPiece,
      }),
    );
    if (res.sequences.some((s) => s.stop === 'forced_end')) throw noForcedContinuation();
    // each window stops at its own cap natively
    return { windows: res.sequences.map(windowTranscript), timings: timings(res) };
  }

  /**
   * Continuous batching: windows are submitted while the context decodes, each takes the next free sequence slot
   * (its audio encoded and its prompt prefilled while the others wait one step), stops at its own EOS or cap, and
   * its result comes back as soon as it ends. Greedy decoding is per sequence, so each window's transcript is the
   * one `transcribe` gives it. One stream at a time per context; close() ends it once its windows are done.
   */
  openStream(opts: TranscribeOptions = {}): TranscribeStream {
    const handle = this.nativeHandle();
    if (opts.signal?.aborted) throw new RotorError('CANCELLED');
    const native = addon();
    const pending = new Map<number, { resolve(w: WindowTranscript): void; reject(e: unknown): void }>();
    let ended = false;
    const pieces = new PieceRelay(() => native.cancel(handle), opts.onPiece);
    const failAll = (error: unknown): void => {
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    const onAbort = (): void => native.cancel(handle);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finished = new Promise<GenerationTimings>((resolve, reject) => {
      try {
        native.generate(
          handle,
          [],
          { maxTokens: 512, captureLogits: false, stream: opts.onPiece !== undefined, open: true },
          (ev) => {
            if (ev.type === 'piece') pieces.deliver(ev);
            else if (ev.type === 'sequence') {
              const p = pending.get(ev.seq);
              pending.delete(ev.seq);
              if (!p) return;
              if (ev.sequence.stop === 'forced_end') p.reject(noForcedContinuation());
              else if (ev.sequence.stop === 'cancelled')
                p.reject(pieces.failed ? pieces.error : new RotorError('CANCELLED'));
              else p.resolve(windowTranscript(ev.sequence));
            } else {
              ended = true;
              opts.signal?.removeEventListener('abort', onAbort);
              const error = pieces.failed
                ? pieces.error
                : ev.type === 'error'
                  ? nativeError(ev)
                  : ev.result.cancelled
                    ? new RotorError('CANCELLED')
                    : new RotorError('INTERNAL', 'the stream ended before this window was decoded');
              failAll(error);
              if (ev.type === 'done' && !pieces.failed && !ev.result.cancelled) resolve(timings(ev.result));
              else reject(error);
            }
          },
        );
      } catch (e) {
        ended = true;
        opts.signal?.removeEventListener('abort', onAbort);
        reject(thrownByNative(e));
      }
    });
    void this.track(finished);
    let index = 0;
    return {
      submit: (w: AudioWindow) => {
        if (ended) throw new RotorError('INTERNAL', 'the stream has ended');
        const req = this.windowRequest(w, index, opts);
        const seq = callNative(() => native.submit(handle, [req]));
        index = seq + 1;
        const result = new Promise<WindowTranscript>((resolve, reject) =>
          pending.set(seq, { resolve, reject }),
        );
        return { index: seq, result };
      },
      close: () => {
        // a disposed context has cancelled the stream already: its end says so
        if (!ended && !this.disposed) callNative(() => native.closeInput(handle));
        return finished;
      },
      cancel: () => native.cancel(handle),
    };
  }

  private windowRequest(w: AudioWindow, index: number, opts: TranscribeOptions): NativeSequenceRequest {
    checkWindow(w, index, this.model.info.audioSampleRate);
    const req: NativeSequenceRequest = {
      prompt: buildTranscribePrompt(w.language ?? opts.language),
      pcm: w.pcm,
      maxTokens: positiveInt(w.maxTokens ?? opts.maxTokens, 512, 'maxTokens'),
    };
    if (w.repetitionPenalty !== undefined) req.repetitionPenalty = w.repetitionPenalty;
    if (w.prefixTokens && w.prefixTokens.length > 0) {
      req.forced = Int32Array.from(w.prefixTokens);
      req.continueAfterForced = true;
    }
    return req;
  }

  /** Understanding mode: a question about the audio. */
  async ask(
    pcm: Float32Array,
    question: string,
    opts: AskOptions = {},
  ): Promise<{ text: string; tokens: Int32Array; stopReason: StopReason; timings: GenerationTimings }> {
    checkWindow({ pcm }, 0, this.model.info.audioSampleRate);
    if (typeof question !== 'string' || question.trim() === '')
      throw new RotorError('INTERNAL', 'the question is empty');
    const onPiece = opts.onPiece;
    const res = await this.track(
      runGenerate(this.nativeHandle(), [{ prompt: buildAskPrompt(question), pcm }], {
        maxTokens: positiveInt(opts.maxTokens, 512, 'maxTokens'),
        captureLogits: false,
        signal: opts.signal,
        onPiece: onPiece ? (_seq, text, token) => onPiece(text, token) : undefined,
      }),
    );
    const s = res.sequences[0];
    if (!s) throw new RotorError('INTERNAL', 'no result');
    return { text: s.text, tokens: s.tokens, stopReason: s.stop as StopReason, timings: timings(res) };
  }

  /**
   * Greedy completion of a raw prompt (control tokens parsed, <s> added), optionally with audio at the media marker:
   * questions about a transcript's text, and benchmarks that need a context filled to a given depth.
   */
  async complete(
    prompt: string,
    opts: AskOptions & { pcm?: Float32Array } = {},
  ): Promise<{
    text: string;
    tokens: Int32Array;
    stopReason: StopReason;
    promptTokens: number;
    timings: GenerationTimings;
  }> {
    if (opts.pcm) checkWindow({ pcm: opts.pcm }, 0, this.model.info.audioSampleRate);
    const onPiece = opts.onPiece;
    const req: NativeSequenceRequest = { prompt };
    if (opts.pcm) req.pcm = opts.pcm;
    const res = await this.track(
      runGenerate(this.nativeHandle(), [req], {
        maxTokens: positiveInt(opts.maxTokens, 512, 'maxTokens'),
        captureLogits: false,
        signal: opts.signal,
        onPiece: onPiece ? (_seq, text, token) => onPiece(text, token) : undefined,
      }),
    );
    const s = res.sequences[0];
    if (!s) throw new RotorError('INTERNAL', 'no result');
    return {
      text: s.text,
      tokens: s.tokens,
      stopReason: s.stop as StopReason,
      promptTokens: s.nPromptTokens,
      timings: timings(res),
    };
  }

  /** Next-token logits of one window: after the prompt, then after each forced (or greedy) token. */
  async evaluateLogits(pcm: Float32Array, opts: EvaluateLogitsOptions = {}): Promise<LogitsResult> {
    checkWindow({ pcm }, 0, this.model.info.audioSampleRate);
    const prompt =
      opts.question !== undefined ? buildAskPrompt(opts.question) : buildTranscribePrompt(opts.language);
    const req: NativeSequenceRequest = { prompt, pcm };
    const forced = opts.forcedTokens ? Int32Array.from(opts.forcedTokens) : undefined;
    if (forced && forced.length > 0) req.forced = forced;
    const steps = positiveInt(opts.steps, 1, 'steps');
    const res = await this.track(
      runGenerate(this.nativeHandle(), [req], {
        // greedy mode: `steps` rows means steps-1 tokens decoded after the first row
        maxTokens: forced && forced.length > 0 ? 1 : steps,
        captureLogits: true,
        signal: opts.signal,
        onPiece: undefined,
      }),
    );
    const s = res.sequences[0];
    if (!s || !s.logits || !s.nVocab || !s.nLogitRows)
      throw new RotorError('INTERNAL', 'the engine returned no logits');
    const nVocab = s.nVocab;
    const rows: Float32Array[] = [];
    for (let r = 0; r < s.nLogitRows; r++) rows.push(s.logits.subarray(r * nVocab, (r + 1) * nVocab));
    return {
      nVocab,
      rows: rows.slice(0, forced && forced.length > 0 ? forced.length + 1 : steps),
      tokens: s.tokens,
      promptTokens: s.nPromptTokens,
      audioTokens: s.nAudioTokens,
    };
  }

  /**
   * Memory actually allocated, per buffer type (llama.cpp's own accounting) and per device. Throws ENGINE_BUSY
   * while this context decodes (or any context of its model, for the encoder's share): the figures would race it.
   */
  memory(): MemoryReport {
    const buffers = callNative(() => addon().contextMemory(this.nativeHandle()));
    const encoder = callNative(() => addon().encoderMemory(this.model.nativeHandle()));
    const sum = (k: 'model' | 'context' | 'compute'): number => buffers.reduce((a, b) => a + b[k], 0);
    return {
      buffers,
      weightsBytes: sum('model'),
      kvBytes: sum('context'),
      computeBytes: sum('compute'),
      mmprojWeightsBytes: encoder.weights,
      mmprojComputeBytes: encoder.compute,
      expectedKvBytes: this.cache.kvBytes,
      devices: listDevices(),
    };
  }

  /** Stops a running decode at the next token/ubatch boundary; its promise rejects with CANCELLED. */
  cancel(): void {
    if (this.handle) addon().cancel(this.handle);
  }

  /** Waits for the decode in flight (if any) to settle. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Frees the context (KV cache, compute buffers) now, or as soon as a running decode has stopped. */
  dispose(): void {
    if (!this.handle) return;
    addon().dispose(this.handle);
    this.handle = undefined;
    this.onDispose();
  }
}
