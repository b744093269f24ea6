/**
 * Finds and loads the native addon (native/build/Release/rotorscribe.node) and types its raw surface. Nothing else
 * in the app touches the addon directly: voxtral.ts wraps it with validation, promises and RotorErrors.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RotorError } from '@common/errors';
import { toAsarUnpacked } from '../audio/unpacked-path';

export type NativeHandle = object & { readonly __nativeHandle?: never };

export interface NativeModelInfo {
  description: string;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nCtxTrain: number;
  nVocab: number;
  nParams: number;
  modelBytes: number;
  audioSampleRate: number;
  audioTokensPer30s: number;
  /** The encoder's matmul weights were converted to BF16 at load (absent from addons before patch 0005). */
  encoderBf16?: boolean;
  mediaMarker: string;
  controlTokens: {
    bos: number;
    eos: number;
    inst: number;
    instEnd: number;
    beginAudio: number;
    transcribe: number;
  };
}

export interface NativeContextInfo {
  nCtx: number;
  nSeqMax: number;
  nBatch: number;
  nUbatch: number;
}

export interface NativeSequenceResult {
  tokens: Int32Array;
  text: string;
  stop: 'eos' | 'max_tokens' | 'cancelled' | 'context_full' | 'forced_end';
  nPromptTokens: number;
  nAudioTokens: number;
  logits?: Float32Array;
  nLogitRows?: number;
  nVocab?: number;
}

export interface NativeGenerateResult {
  sequences: NativeSequenceResult[];
  encodeMs: number;
  prefillMs: number;
  audioPrefillMs: number;
  decodeMs: number;
  nPrefillTokens: number;
  nDecodeSteps: number;
  nDecodedTokens: number;
  /** Of nDecodedTokens, those teacher-forced (absent from an addon built before it existed). */
  nForcedTokens?: number;
  /** mtmd_tokenize (the log-mel spectrogram) in all, and the part the decode thread waited for (not done ahead). */
  tokenizeMs?: number;
  tokenizeWaitMs?: number;
  /** An open generate with every slot empty, waiting for the caller's next window. */
  idleMs?: number;
  /** Windows that took a slot. */
  nWindows?: number;
  cancelled: boolean;
}

export interface NativeErrorEvent {
  type: 'error';
  code: string;
  message: string;
}
export type NativeLoadEvent =
  | { type: 'progress'; progress: number }
  | { type: 'done'; handle: NativeHandle; info: NativeModelInfo }
  | NativeErrorEvent;
export type NativeContextEvent =
  { type: 'done'; handle: NativeHandle; info: NativeContextInfo } | NativeErrorEvent;
export type NativeGenerateEvent =
  | { type: 'piece'; seq: number; token: number; text: string }
  /** An open generate: window `seq` (its submission index) is finished. */
  | { type: 'sequence'; seq: number; sequence: NativeSequenceResult }
  | { type: 'done'; result: NativeGenerateResult }
  | NativeErrorEvent;

export interface NativeLoadParams {
  modelPath: string;
  mmprojPath: string;
  nGpuLayers: number;
  useMmap: boolean;
  mmprojGpu: boolean;
  threads: number;
  /** 0: no pooling (reference rate, 375 tokens / 30 s), 1: pooled (llama.cpp's 188 / 30 s). */
  audioAvgpool: 0 | 1;
  flashAttn: -1 | 0 | 1;
  warmup: boolean;
  /** The encoder's F16 matmul weights held as BF16 (patch 0005): -1 where the CPU multiplies BF16 natively. */
  encoderBf16?: -1 | 0 | 1;
}

export interface NativeContextParams {
  nCtx: number;
  nBatch: number;
  nUbatch: number;
  nSeqMax: number;
  typeK: number;
  typeV: number;
  flashAttn: -1 | 0 | 1;
  threads: number;
  threadsBatch: number;
  kvUnified: boolean;
}

export interface NativeSequenceRequest {
  prompt: string;
  pcm?: Float32Array;
  forced?: Int32Array;
  /** After `forced`, decode on greedily (a window resumed from its saved tokens); without it decoding stops there. */
  continueAfterForced?: boolean;
  repetitionPenalty?: number;
  /** This window's own cap on chosen tokens (absent: the call's maxTokens). */
  maxTokens?: number;
}

export interface NativeGenerateParams {
  maxTokens: number;
  captureLogits: boolean;
  stream: boolean;
  /**
   * Continuous batching: the context takes more windows while it decodes (submit), each finished window is a
   * 'sequence' event and its slot takes the next one; the call ends once closeInput was called and all are done.
   */
  open?: boolean;
}

export interface NativeMemoryEntry {
  bufferType: string;
  device: string | null;
  host: boolean;
  model: number;
  context: number;
  compute: number;
}

export interface NativeDevice {
  name: string;
  description: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel' | 'other';
  backend: string;
  memoryFree: number;
  memoryTotal: number;
}

/** A KV cache configuration asked of one device; shape and mode default to Voxtral-Mini with flash attention on. */
export interface NativeKvSupportQuery {
  /** ggml device name, e.g. "CPU", "CUDA0", "Metal", "Vulkan0". */
  device: string;
  /** ggml type ids. */
  typeK: number;
  typeV?: number;
  /** llama_flash_attn_type: -1 auto, 0 off, 1 on. */
  flashAttn?: number;
  nUbatch?: number;
  /** Cache streams: the parallel sequences unless the cache is unified. */
  nStream?: number;
  headDimK?: number;
  headDimV?: number;
  nHead?: number;
  nHeadKv?: number;
}

/** The first op a KV cache needs that the device has no kernel for. */
export interface NativeKvUnsupported {
  device: string;
  /** ggml op: SET_ROWS, FLASH_ATTN_EXT, MUL_MAT or CPY. */
  op: string;
  /** ggml's name of the cache type concerned ("iso3", or "q8_0 K / iso3 V" for a pair that only fails together). */
  type: string;
  /** What the op is for, e.g. "writing the K cache". */
  role: string;
  message: string;
}

export interface NativeTypeInfo {
  id: number;
  name: string;
  blockValues: number;
  blockBytes: number;
  quantized: boolean;
}

/** One backend library beside the addon, or compiled into it (see native/src/backends.h). */
export interface NativeBackendCandidate {
  /** "cpu-haswell", "cpu-x64", "cpu" (single module), "cuda", "vulkan", "metal"; lower case. */
  name: string;
  /** Full path; empty when compiled in. */
  file: string;
  kind: 'cpu' | 'gpu';
  /** The library's own score of this machine: 0 = it cannot run here; -1 = it has no score function. */
  score: number;
  status: 'loaded' | 'unsupported' | 'not-best' | 'no-device' | 'failed' | 'disabled';
  /** The loader's or backend's words when it was not loaded ("libcuda.so.1: cannot open shared object file"). */
  detail: string;
  devices: number;
}

export interface NativeBackendReport {
  /** Backends are separate libraries loaded at run time (GGML_BACKEND_DL); false: compiled into the addon. */
  dynamic: boolean;
  dir: string;
  /** The CPU backend in use: a ggml variant name ("haswell", "x64", "sse42", "apple_m1"), "native" or "static". */
  cpuVariant: string;
  /** What the loaded CPU backend says it was compiled for ("AVX2", "FMA", ... and a few NAME=value facts). */
  cpuFeatures: string[];
  /** ROTORSCRIBE_BACKENDS as the addon read it; "" = every backend found. */
  filter: string;
  candidates: NativeBackendCandidate[];
}

export type RotorQuantScale = 'mse' | 'norm' | 'unbiased';

export type NativeLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The addon's raw surface. Heavy calls run on a native thread each and report through `onEvent`: any number of
 * progress/piece events, then exactly one `done` or `error`, delivered after the thread has been joined and the
 * context is free again. A call on a context that is still running one is refused at once (throws, code
 * ENGINE_BUSY), as are memory queries that would race a decode. A listener that throws cancels its job, which
 * then ends with an INTERNAL error event; a throw from the last event's listener becomes a process warning.
 */
export interface NativeAddon {
  loadModel(params: NativeLoadParams, onEvent: (ev: NativeLoadEvent) => void): void;
  createContext(
    model: NativeHandle,
    params: NativeContextParams,
    onEvent: (ev: NativeContextEvent) => void,
  ): void;
  generate(
    ctx: NativeHandle,
    requests: NativeSequenceRequest[],
    params: NativeGenerateParams,
    onEvent: (ev: NativeGenerateEvent) => void,
  ): void;
  /** More windows for the context's open generate; returns the first one's index (indices count in submission order). */
  submit(ctx: NativeHandle, requests: NativeSequenceRequest[]): number;
  /** No more windows for the context's open generate: it ends when those given are done. */
  closeInput(ctx: NativeHandle): void;
  cancel(ctx: NativeHandle): void;
  contextMemory(ctx: NativeHandle): NativeMemoryEntry[];
  /** Audio encoder (mmproj) weights and compute buffers, in bytes. */
  encoderMemory(model: NativeHandle): { weights: number; compute: number };
  dispose(handle: NativeHandle): void;
  tokenize(model: NativeHandle, text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  detokenize(model: NativeHandle, tokens: Int32Array, special: boolean): string;
  listDevices(): NativeDevice[];
  typeInfo(id: number): NativeTypeInfo | null;
  /** null when the device runs every op such a cache needs (ggml_backend_dev_supports_op on no_alloc tensors). */
  kvSupport(query: NativeKvSupportQuery): NativeKvUnsupported | null;
  /**
   * Tests only: the KV guard's supports_op answer becomes false on `device` for every op touching ggml type `type`
   * (createContext and kvSupport both see it); null clears. Process-wide.
   */
  setKvSupportOverrideForTests(rules: { device: string; type: number }[] | null): void;
  systemInfo(): string;
  /** The backends loaded when the addon was required, and why the others were not (absent in older builds). */
  backends?(): NativeBackendReport;
  /** ggml's log goes to every addon instance (main thread, workers) that set a logger. */
  setLogger(fn: ((level: NativeLogLevel, text: string) => void) | null, minLevel?: NativeLogLevel): void;
  /** Jobs of this instance whose threads have not been joined yet (0 once every result was delivered). */
  runningJobs(): number;
  /**
   * Measurements only: RotorQuant's clipping weight (>= 0) and scale for later quantizations; omitted = built-in.
   * Refused (ENGINE_BUSY) while a job runs: the quantizer reads these from every ggml thread unsynchronised.
   */
  setRotorQuantTuning(tuning: { overloadWeight?: number; scale?: RotorQuantScale }): void;
  readonly ggmlTypeCount: number;
}

const ADDON_REL = join('native', 'build', 'Release', 'rotorscribe.node');

/** Where the addon may be, most specific first: env override, dev tree, electron-vite bundle, packaged app. */
export function addonCandidates(moduleDir: string, resourcesPath?: string, envPath?: string): string[] {
  const out: string[] = [];
  if (envPath) out.push(resolve(envPath));
  // main/engine/runtime (source, tsx, vitest) is 3 levels below the root; out/main or out/engine/... 2-3 levels
  let dir = moduleDir;
  for (let i = 0; i < 6; i++) {
    out.push(join(dir, ADDON_REL));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (resourcesPath) {
    out.push(join(resourcesPath, 'app.asar.unpacked', ADDON_REL));
    out.push(join(resourcesPath, ADDON_REL));
  }
  return [...new Set(out.map(toAsarUnpacked))];
}

function moduleDirectory(): string {
  return dirname(fileURLToPath(import.meta.url));
}

let cached: NativeAddon | undefined;

export function resolveAddonPath(): string {
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const override = process.env.ROTORSCRIBE_NATIVE_ADDON;
  // an explicit override that points nowhere is a mistake to report, not a reason to load some other build
  if (override && !existsSync(resolve(override))) {
    throw new RotorError(
      'ENGINE_CRASHED',
      'The native engine named by ROTORSCRIBE_NATIVE_ADDON does not exist.',
      {
        hint: 'Point ROTORSCRIBE_NATIVE_ADDON at a built rotorscribe.node or unset it.',
        detail: resolve(override),
      },
    );
  }
  const candidates = addonCandidates(moduleDirectory(), resourcesPath, process.env.ROTORSCRIBE_NATIVE_ADDON);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new RotorError('ENGINE_CRASHED', 'The native engine (rotorscribe.node) is not built.', {
      hint: 'Run `npm run build:native`.',
      detail: `looked in:\n${candidates.join('\n')}`,
    });
  }
  return found;
}

export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const path = resolveAddonPath();
  const require = createRequire(import.meta.url);
  cached = require(path) as NativeAddon;
  return cached;
}
