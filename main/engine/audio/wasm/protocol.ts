/**
 * Messages between the sandboxed ffmpeg worker (`decode-worker.ts`) and the thread that started it. The worker file
 * runs without a bundler (Node strips its types), so it may import only types from here.
 */

/**
 * The WebAssembly API as far as we use it (the Node typings of this project carry no WebAssembly declarations).
 * A compiled module is opaque to us: it is only passed on and instantiated.
 */
export type WasmModule = object;
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}
export const wasmApi = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What the worker is started with (`workerData`). */
export interface WorkerInput {
  /** Marks our worker: the module also loads as a plain import in tests, where it must not start. */
  kind: 'rotorscribe-ffmpeg';
  /** The compiled ffmpeg-core WebAssembly.Module, compiled once per process and shared by every worker. */
  module: WasmModule;
  /** Absolute path of `@ffmpeg/core`'s UMD script. */
  corePath: string;
  /** The file to read; the worker exposes it to ffmpeg as {@link WASM_INPUT}. */
  path: string;
  /** ffmpeg's arguments (without the program name); the input is named {@link WASM_INPUT} in them. */
  args: string[];
  /** {@link WASM_INPUT} and {@link WASM_OUTPUT}, passed in because the worker imports no values. */
  inputName: string;
  outputName: string;
  /**
   * Int32 [queuedBytes]: output posted but not yet taken by the reader. The worker blocks (Atomics.wait) while it is
   * above highWaterBytes, so a slow consumer stops ffmpeg instead of filling memory.
   */
  control: SharedArrayBuffer;
  highWaterBytes: number;
  /** Cap on the wasm heap: growth past it fails like an allocation failure inside ffmpeg. */
  maxHeapBytes: number;
}

export type WorkerMessage =
  /** ffmpeg is loaded and about to run: failures from here on are the input's doing. */
  | { t: 'ready' }
  /** One stderr line of ffmpeg. */
  | { t: 'line'; line: string }
  /** Bytes ffmpeg wrote to {@link WASM_OUTPUT} (transferred). */
  | { t: 'out'; bytes: Uint8Array }
  /** Still reading input: for the stall watchdog, sent at most a few times a second. */
  | { t: 'beat' }
  /** ffmpeg returned this exit code. */
  | { t: 'done'; code: number }
  /** The wasm trapped or the glue threw: the decoder failed inside its sandbox. */
  | { t: 'trap'; message: string };

/** The input file as ffmpeg sees it inside the sandbox: a fixed name, so no path can be read as an option or URL. */
export const WASM_INPUT = '/input/media';
/** A character device that forwards ffmpeg's output to the host as it is written. */
export const WASM_OUTPUT = '/pcm';
