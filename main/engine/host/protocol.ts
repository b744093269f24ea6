/**
 * The message protocol between the engine host (main process, CLI, tests) and the engine worker process.
 *
 * - Every request carries a host-chosen numeric id; the worker answers with exactly one `result` or `error` for it
 *   and may send any number of `event`s keyed by the same id before that (streaming: progress, tokens, segments).
 * - `cancel` names a request id; the worker aborts that request's AbortSignal and answers it with a CANCELLED error
 *   (the host has already settled it, so late answers are dropped).
 * - Audio crosses as Float32Array PCM (16 kHz mono). Both transports use structured clone (Electron utilityProcess
 *   postMessage, child_process `serialization: 'advanced'`), so typed arrays arrive as typed arrays; transports that
 *   can transfer (MessagePort, worker_threads) receive the buffers in the `transfer` list and move them without a copy.
 *
 * Engine methods are declared in `EngineMethods`; later modules (the native runtime) add theirs by declaration
 * merging (`declare module '.../protocol' { interface EngineMethods { ... } }`) and register a handler in the worker.
 */
import type * as v from 'valibot';
import type { EngineDevice } from '@common/ipc-contract';
import type { ErrorCode, ErrorPayload } from '@common/errors';
import type { KvCacheType } from '@common/kv-cache-types';
import type { Transcript } from '@common/transcript';
import type { AudioProbe } from '../audio/decode';
import type { BackendSummary } from '../runtime/backends';
import type { EngineIdentity } from '../checkpoints/store';
import type { JobEvent, JobProgress } from '../job/runner';
import type {
  audioRangeSchema,
  countParamsSchema,
  crashParamsSchema,
  emptyParamsSchema,
  jobEngineSchema,
  jobParamsSchema,
  jobPlanSchema,
  pcmStatsParamsSchema,
  pingParamsSchema,
  probeParamsSchema,
} from './method-params';

export const PROTOCOL_VERSION = 1;

export interface MethodSpec<P, R, E = never> {
  params: P;
  result: R;
  event: E;
}

/** A device as the engine sees it: the renderer's EngineDevice plus ggml's view (device type, free memory). */
export interface WorkerDevice extends EngineDevice {
  description: string;
  /** ggml_backend_dev_type; igpu shares host memory, accel is a CPU-side accelerator such as BLAS. */
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  freeBytes: number;
  /** KV cache types (K = V) the device has kernels for (see RuntimeDevice.kvTypes); absent when unknown. */
  kvTypes?: KvCacheType[];
}

/** Why the native runtime could not answer (addon not built, wrong ABI, override pointing nowhere). */
export interface RuntimeUnavailable {
  code: ErrorCode;
  reason: string;
  hint?: string;
}

export type WorkerDeviceList =
  /** backend: the CPU variant and GPU backends in use, and why no GPU (main/engine/runtime/backends.ts). */
  | { source: 'runtime'; devices: WorkerDevice[]; backend?: BackendSummary }
  | { source: 'os'; devices: WorkerDevice[]; unavailable: RuntimeUnavailable };

export type WorkerKvTypes =
  { source: 'runtime'; types: KvCacheType[] } | { source: 'none'; unavailable: RuntimeUnavailable };

/** The model a job runs on; `echo` derives text from the audio (tests, demos without weights). */
export type JobEngine = v.InferOutput<typeof jobEngineSchema>;

/**
 * What the client decided with the advisor before anything is allocated: the worker sizes the context from exactly
 * this (parallel sequences × one window each) and never consults a memory budget of its own.
 */
export type JobPlan = v.InferOutput<typeof jobPlanSchema>;

/** Part of a recording, in seconds from its start (a re-transcription of a selected range). */
export type AudioRange = v.InferOutput<typeof audioRangeSchema>;

/** Paths are absolute: the worker's working directory is not the client's. */
export type JobParams = v.InferOutput<typeof jobParamsSchema>;

/** What the runtime allocated for the job's context (measured right after creating it), for the advisor's table. */
export interface JobMemory {
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
  mmprojWeightsBytes: number;
  mmprojComputeBytes: number;
  /** Cells of the context as created. */
  nCtx: number;
}

export interface JobOutcome {
  transcript: Transcript;
  progress: JobProgress;
  restored: number;
  windows: number;
  flagged: number;
  decode: { samples: number; corruptPackets: number; warnings: string[] };
  engine: EngineIdentity;
  /** Runtime engine only. */
  memory?: JobMemory;
}

/** The model the worker keeps loaded between jobs; a client planning the next job counts its memory as free. */
export interface ResidentModel {
  modelPath: string;
  mmprojPath: string;
  /** Bytes the worker holds for it (weights + encoder, as mapped from the files). */
  heldBytes: number;
}

/** The no-params methods: `{}` (or nothing) on the wire. */
export type EmptyParams = v.InferOutput<typeof emptyParamsSchema>;

/**
 * Params types come from the schemas the worker parses them with (method-params.ts), so the two cannot drift;
 * results are what the worker builds itself, declared as interfaces.
 */
export interface EngineMethods {
  /** Round trip; `active` is how many requests the worker is still running (proves cancellation stops work). */
  ping: MethodSpec<v.InferOutput<typeof pingParamsSchema>, { echo: string; pid: number; active: number }>;
  /** Streams `{ n }` for n = 1..to, one every intervalMs; cancellable. A stand-in for transcription progress. */
  count: MethodSpec<v.InferOutput<typeof countParamsSchema>, { counted: number }, { n: number }>;
  /**
   * ggml's devices with free/total memory; the CPU from os data (and why) when the addon cannot be loaded.
   * `engineHeldBytes`: memory the worker holds for a resident model (already subtracted from the free figures; a job
   * reuses or releases it before allocating, so planning adds it back).
   */
  listDevices: MethodSpec<EmptyParams, WorkerDeviceList & { engineHeldBytes: number }>;
  /** The model kept loaded between jobs, if any. */
  residentModel: MethodSpec<EmptyParams, { model: ResidentModel | null }>;
  /**
   * One transcription job run in the engine process: decode → VAD → windows → model → checkpoints → transcript.
   * Events are the job's events; cancel, pause and resume travel as host messages over the request id.
   */
  job: MethodSpec<JobParams, JobOutcome, JobEvent>;
  /** What ffmpeg sees in a file (duration, container, audio codec); the decoder's RotorErrors when it cannot read it. */
  probe: MethodSpec<v.InferOutput<typeof probeParamsSchema>, AudioProbe>;
  /** The KV cache types this build of the addon has (the RotorQuant ones only with their patches). */
  supportedKvTypes: MethodSpec<EmptyParams, WorkerKvTypes>;
  /** Summarises a PCM buffer; proves Float32Array audio crosses the process boundary intact. */
  pcmStats: MethodSpec<
    v.InferOutput<typeof pcmStatsParamsSchema>,
    { samples: number; sampleRate: number; peak: number; rms: number; checksum: number }
  >;
  /** Test hook: the worker exits with this code, as a native crash would. */
  crash: MethodSpec<v.InferOutput<typeof crashParamsSchema>, never>;
}

export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];
export type EventOf<M extends EngineMethod> = EngineMethods[M]['event'];

/**
 * `pause`/`resume` reach requests whose handler listens for them (the job); others ignore them. `audio`/`audioEnd`
 * feed a live job's push source (16 kHz mono PCM of a recording, in order) over the same request id.
 */
export type HostMessage =
  | { type: 'request'; id: number; method: string; params: unknown }
  | { type: 'cancel'; id: number }
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number }
  | { type: 'audio'; id: number; pcm: Float32Array }
  | { type: 'audioEnd'; id: number };

export type WorkerMessage =
  | { type: 'ready'; pid: number; protocol: number }
  | { type: 'event'; id: number; event: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: ErrorPayload };

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

export function isHostMessage(value: unknown): value is HostMessage {
  if (!isObj(value) || !isId(value.id)) return false;
  if (value.type === 'cancel' || value.type === 'pause' || value.type === 'resume') return true;
  if (value.type === 'audioEnd') return true;
  if (value.type === 'audio') return value.pcm instanceof Float32Array;
  return value.type === 'request' && typeof value.method === 'string';
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!isObj(value)) return false;
  switch (value.type) {
    case 'ready':
      return typeof value.pid === 'number' && typeof value.protocol === 'number';
    case 'event':
      return isId(value.id) && 'event' in value;
    case 'result':
      return isId(value.id) && 'value' in value;
    case 'error':
      return isId(value.id) && isObj(value.error) && typeof value.error.code === 'string';
    default:
      return false;
  }
}

/** ArrayBuffers inside a message that a transferring transport may move instead of copying. */
export function transferablesOf(params: unknown): ArrayBuffer[] {
  if (!isObj(params)) return [];
  const out: ArrayBuffer[] = [];
  for (const v of Object.values(params)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.push(v.buffer);
  }
  return out;
}
