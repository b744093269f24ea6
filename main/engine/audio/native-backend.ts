/**
 * The native ffmpeg program of `@ffmpeg-installer` in a child process: kept behind ROTORSCRIBE_DECODER=native for
 * comparison (bench:frontend) and as a fallback; it parses untrusted files with the user's full rights.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { READ_NO_WAIT } from '../../fs/open-no-wait';
import {
  failedRun,
  type FfmpegBackend,
  type FfmpegRun,
  type FfmpegRunOptions,
  type RunFailure,
} from './ffmpeg-run';
import { LineSplitter } from './ffmpeg-log';
import { resolveFfmpegPath } from './ffmpeg-path';

/**
 * Where ffmpeg finds its input. The path was checked to be a regular file, but it can be swapped since (for a FIFO,
 * whose open would block ffmpeg for ever with no stall bound here, or for another file), so on POSIX we open it
 * ourselves, non-blocking, check what we opened, and hand ffmpeg that descriptor as fd 3: it reopens `/dev/fd/3`,
 * the very file checked, still seekable. Windows has no FIFOs on disk and no /dev/fd: the path, as before.
 */
const INPUT_FD = 3;
const INPUT_VIA_FD = process.platform !== 'win32';

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The input opened without blocking, or why not ('missing': decode.ts then re-checks the path and names it). */
function openInput(path: string): number | RunFailure {
  let fd: number;
  try {
    fd = openSync(path, READ_NO_WAIT);
  } catch (error) {
    return { kind: 'missing', detail: message(error) };
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch (error) {
    closeSync(fd);
    return { kind: 'missing', detail: message(error) };
  }
  closeSync(fd);
  return { kind: 'missing', detail: 'the input is no longer a regular file' };
}

function startNative(path: string, args: string[], opts: FfmpegRunOptions): FfmpegRun {
  let failure: RunFailure | undefined;
  let binary: string;
  try {
    binary = resolveFfmpegPath();
  } catch (error) {
    return failedRun({ kind: 'missing', detail: message(error) });
  }
  const input = INPUT_VIA_FD ? openInput(path) : undefined;
  if (typeof input === 'object') return failedRun(input);
  const output = opts.output ? 'pipe' : 'ignore';
  let child;
  try {
    child = spawn(binary, args, {
      stdio: input === undefined ? ['ignore', output, 'pipe'] : ['ignore', output, 'pipe', input],
      windowsHide: true,
    });
  } finally {
    // the child has its own copy now (or none: spawn failed)
    if (input !== undefined) closeSync(input);
  }
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
  inputArg: (path) => (INPUT_VIA_FD ? `file:/dev/fd/${INPUT_FD}` : `file:${resolvePath(path)}`),
  outputArg: 'pipe:1',
  start: startNative,
};
