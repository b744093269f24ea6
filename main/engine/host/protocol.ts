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
import type { EngineDevice } from '../../../common/ipc-contract';
import type { ErrorPayload } from '../../../common/errors';

export const PROTOCOL_VERSION = 1;

export interface MethodSpec<P, R, E = never> {
  params: P;
  result: R;
  event: E;
}

export interface EngineMethods {
  /** Round trip; `active` is how many requests the worker is still running (proves cancellation stops work). */
  ping: MethodSpec<{ echo: string }, { echo: string; pid: number; active: number }>;
  /** Streams `{ n }` for n = 1..to, one every intervalMs; cancellable. A stand-in for transcription progress. */
  count: MethodSpec<{ to: number; intervalMs: number }, { counted: number }, { n: number }>;
  listDevices: MethodSpec<Record<string, never>, { devices: EngineDevice[] }>;
  /** Summarises a PCM buffer; proves Float32Array audio crosses the process boundary intact. */
  pcmStats: MethodSpec<
    { pcm: Float32Array; sampleRate: number },
    { samples: number; sampleRate: number; peak: number; rms: number; checksum: number }
  >;
  /** Test hook: the worker exits with this code, as a native crash would. */
  crash: MethodSpec<{ exitCode: number }, never>;
}

export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethods[M]['result'];
export type EventOf<M extends EngineMethod> = EngineMethods[M]['event'];

export type HostMessage =
  { type: 'request'; id: number; method: string; params: unknown } | { type: 'cancel'; id: number };

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
  if (value.type === 'cancel') return true;
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
