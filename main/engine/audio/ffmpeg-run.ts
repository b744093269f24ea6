/**
 * One running ffmpeg command, whatever runs it: the WebAssembly build in a worker thread (the default) or the
 * native program in a child process. The decoder logic in decode.ts works on this interface only.
 */

/** Why a run ended without an exit code of its own. */
export type RunFailure =
  /** The program or the wasm could not be started (installation problem). */
  | { kind: 'missing'; detail: string }
  /** The wasm trapped (out-of-bounds access, unreachable, out of memory): contained in the worker. */
  | { kind: 'trap'; detail: string }
  /** No progress for longer than the stall bound: the worker was stopped. */
  | { kind: 'stalled'; detail: string };

export interface FfmpegRun {
  /** ffmpeg's output bytes as written. Not reading it stops ffmpeg (backpressure). */
  readonly output: AsyncIterable<Uint8Array>;
  /** ffmpeg's exit code once it ended and every log line was delivered; null when killed or failed. */
  readonly closed: Promise<number | null>;
  /** Resolves when the process or thread is gone (nothing left running, no zombie). */
  readonly exited: Promise<void>;
  /** Stops ffmpeg now; idempotent. */
  kill(): void;
  /** Set when the run failed without ffmpeg deciding (see RunFailure). */
  failure(): RunFailure | undefined;
}

/** A run that never started: no output, nothing to wait for, the failure says why. */
export function failedRun(failure: RunFailure): FfmpegRun {
  return {
    output: (async function* () {})(),
    closed: Promise.resolve(null),
    exited: Promise.resolve(),
    kill: () => undefined,
    failure: () => failure,
  };
}

export interface FfmpegRunOptions {
  /** Each line ffmpeg prints on stderr, in order. */
  onLine(line: string): void;
  /** False for a probe: the output is discarded and never read. */
  output: boolean;
}

export interface FfmpegBackend {
  readonly name: 'wasm' | 'native';
  /** How the input file is named on ffmpeg's command line. */
  inputArg(path: string): string;
  /** How the output is named on ffmpeg's command line. */
  readonly outputArg: string;
  /** Starts `ffmpeg args…`, reading `path`. */
  start(path: string, args: string[], opts: FfmpegRunOptions): FfmpegRun;
}
