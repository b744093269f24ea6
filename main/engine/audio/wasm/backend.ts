/**
 * FFmpeg compiled to WebAssembly, one worker thread per command: the default decoder for every format. The wasm
 * can only see the one input file (read on demand) and one output device; a crash traps inside its memory, a hang
 * is stopped by the stall watchdog, and abort terminates the thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  failedRun,
  type FfmpegBackend,
  type FfmpegRun,
  type FfmpegRunOptions,
  type RunFailure,
} from '../ffmpeg-run';
import { toAsarUnpacked } from '../unpacked-path';
import {
  WASM_INPUT,
  WASM_OUTPUT,
  type WasmModule,
  type WorkerInput,
  type WorkerMessage,
  wasmApi,
} from './protocol';

/** Unread output (bytes) at which the worker waits for the reader: ~1 s of 16 kHz float audio. */
const HIGH_WATER_BYTES = 256 * 1024;
/** A worker that neither reads input nor writes output for this long is taken to hang. */
export const DEFAULT_STALL_MS = 20_000;
/**
 * The wasm heap may grow to this much (the build allows 2 GiB): a crafted file that makes ffmpeg allocate more
 * gets a failed allocation, which ffmpeg reports as an error, instead of taking the machine's memory. Decoding the
 * 2-hour benchmark meeting needs well under 100 MiB of it.
 */
export const DEFAULT_MAX_HEAP_BYTES = 512 * 1024 * 1024;

export interface WasmLimits {
  stallMs: number;
  maxHeapBytes: number;
}

const requireHere = createRequire(import.meta.url);

interface Core {
  corePath: string;
  module: WasmModule;
}
let core: Core | undefined;
let live = 0;

/** Decoder threads started and not yet exited (tests check that abort and early exits leave none). */
export function liveWasmDecoders(): number {
  return live;
}

/**
 * The ffmpeg-core script and its module, compiled once per process (the 32 MB wasm takes ~0.15 s to compile;
 * workers receive the compiled module and only instantiate it).
 */
function loadCore(): Core {
  if (core === undefined) {
    const corePath = toAsarUnpacked(requireHere.resolve('@ffmpeg/core'));
    const wasmPath = toAsarUnpacked(requireHere.resolve('@ffmpeg/core/wasm'));
    core = { corePath, module: new (wasmApi().Module)(readFileSync(wasmPath)) };
  }
  return core;
}

/**
 * The worker script: the bundled `decode-worker.js` next to the built engine, else the TypeScript source, which
 * Node ≥ 22.18 runs by stripping its types and an older Node through tsx's loader (a checkout's CLI on Node 20).
 */
function workerScript(): { script: URL | string; eval: boolean } {
  const built = [
    new URL('./decode-worker.js', import.meta.url),
    new URL('../decode-worker.js', import.meta.url),
  ];
  for (const url of built) if (existsSync(fileURLToPath(url))) return { script: url, eval: false };
  const source = new URL('./decode-worker.ts', import.meta.url);
  if ((process.features as { typescript?: unknown }).typescript) return { script: source, eval: false };
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(source.href)}); })`;
  return { script: boot, eval: true };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function startWasm(
  path: string,
  args: string[],
  opts: FfmpegRunOptions,
  limits: Partial<WasmLimits> = {},
): FfmpegRun {
  const stallMs = limits.stallMs ?? DEFAULT_STALL_MS;
  let failure: RunFailure | undefined;
  let code: number | null = null;
  let finished = false;
  const queue: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const control = new SharedArrayBuffer(4);
  const queued = new Int32Array(control);

  let worker: Worker;
  try {
    const { corePath, module } = loadCore();
    const { script, eval: isEval } = workerScript();
    const input: WorkerInput = {
      kind: 'rotorscribe-ffmpeg',
      module,
      corePath,
      path,
      args,
      inputName: WASM_INPUT,
      outputName: WASM_OUTPUT,
      control,
      highWaterBytes: HIGH_WATER_BYTES,
      maxHeapBytes: limits.maxHeapBytes ?? DEFAULT_MAX_HEAP_BYTES,
    };
    worker = new Worker(script, { workerData: input, eval: isEval, stdout: true, stderr: true });
  } catch (error) {
    return failedRun({ kind: 'missing', detail: describe(error) });
  }

  live++;
  let lastActivity = Date.now();
  // Until the worker has ffmpeg loaded, a failure is an installation problem, not the file's fault.
  let ready = false;
  const fail = (f: RunFailure): void => {
    failure ??= f;
    void worker.terminate();
  };
  worker.on('message', (message: WorkerMessage) => {
    // Progress is input read or output written: a decoder stuck printing the same warning forever is stalled too.
    if (message.t !== 'line') lastActivity = Date.now();
    switch (message.t) {
      case 'line':
        opts.onLine(message.line);
        break;
      case 'out':
        if (opts.output) queue.push(message.bytes);
        else Atomics.sub(queued, 0, message.bytes.length);
        notify();
        break;
      case 'ready':
        ready = true;
        break;
      case 'beat':
        break;
      case 'done':
        code = message.code;
        break;
      case 'trap':
        fail({ kind: ready ? 'trap' : 'missing', detail: message.message });
        break;
    }
  });
  worker.on('error', (error) => fail({ kind: ready ? 'trap' : 'missing', detail: describe(error) }));
  // A probe's output and the worker's own console are not ours to print.
  worker.stdout.resume();
  worker.stderr.resume();
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      live--;
      finished = true;
      clearInterval(watchdog);
      notify();
      resolve();
    });
  });
  const watchdog = setInterval(
    () => {
      // waiting for a slow reader is not a hang: only a worker that is free to run and silent is
      const blockedOnReader = Atomics.load(queued, 0) > HIGH_WATER_BYTES;
      if (!blockedOnReader && Date.now() - lastActivity > stallMs) {
        fail({ kind: 'stalled', detail: `no progress for ${Math.round(stallMs / 1000)} s` });
      }
    },
    Math.max(50, Math.floor(stallMs / 4)),
  );
  watchdog.unref();

  async function* output(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const bytes = queue.shift();
      if (bytes !== undefined) {
        Atomics.sub(queued, 0, bytes.length);
        Atomics.notify(queued, 0);
        lastActivity = Date.now();
        yield bytes;
        continue;
      }
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }

  return {
    output: output(),
    closed: exited.then(() => (failure === undefined ? code : null)),
    exited,
    kill: () => {
      void worker.terminate();
    },
    failure: () => failure,
  };
}

export const wasmBackend: FfmpegBackend = {
  name: 'wasm',
  inputArg: () => WASM_INPUT,
  outputArg: WASM_OUTPUT,
  start: (path, args, opts) => startWasm(path, args, opts),
};
