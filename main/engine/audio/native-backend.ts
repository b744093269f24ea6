/**
 * The native ffmpeg program of `@ffmpeg-installer` in a child process: kept behind ROTORSCRIBE_DECODER=native for
 * comparison (bench:frontend) and as a fallback; it parses untrusted files with the user's full rights.
 */
import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import type { FfmpegBackend, FfmpegRun, FfmpegRunOptions, RunFailure } from './ffmpeg-run';
import { LineSplitter } from './ffmpeg-log';
import { resolveFfmpegPath } from './ffmpeg-path';

function startNative(_path: string, args: string[], opts: FfmpegRunOptions): FfmpegRun {
  let failure: RunFailure | undefined;
  let binary: string;
  try {
    binary = resolveFfmpegPath();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    failure = { kind: 'missing', detail };
    return {
      output: (async function* () {})(),
      closed: Promise.resolve(null),
      exited: Promise.resolve(),
      kill: () => undefined,
      failure: () => failure,
    };
  }
  const child = spawn(binary, args, {
    stdio: ['ignore', opts.output ? 'pipe' : 'ignore', 'pipe'],
    windowsHide: true,
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      failure = { kind: 'missing', detail: error.message };
      resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const lines = new LineSplitter();
  const stderr = child.stderr;
  stderr?.setEncoding('utf8');
  stderr?.on('data', (text: string) => lines.push(text).forEach(opts.onLine));
  stderr?.on('end', () => lines.flush().forEach(opts.onLine));
  const stdout = child.stdout;
  return {
    output: stdout ? (stdout as AsyncIterable<Buffer>) : (async function* () {})(),
    closed,
    exited,
    // Only the process: its stdout then ends by itself (destroying it here would fail a reader mid-iteration).
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    failure: () => failure,
  };
}

export const nativeBackend: FfmpegBackend = {
  name: 'native',
  // ffmpeg treats `a:b` as a protocol: `file:` keeps a name such as `http:x.mp3` or `-x.mp3` a local file.
  inputArg: (path) => `file:${resolvePath(path)}`,
  outputArg: 'pipe:1',
  start: startNative,
};
