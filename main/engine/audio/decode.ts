/**
 * Streaming audio decode through the ffmpeg program shipped in npm: any container/codec ffmpeg reads becomes
 * 16 kHz mono float32, delivered in fixed-size chunks with pipe backpressure, so memory does not grow with the
 * length of the file.
 */
import { spawn } from 'node:child_process';
import type { Stats } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { DEFAULT_CHUNK_SAMPLES, SAMPLE_RATE } from '@common/audio';
import { RotorError } from '@common/errors';
import { checkInputFile, ensureUnchanged, looksLikeText, readHead } from './file-check';
import {
  type FailureKind,
  LineSplitter,
  classifyFailure,
  folded,
  isCorruptPacketLine,
  isInputReadErrorLine,
  looksLikeMedia,
  parseProbeLog,
} from './ffmpeg-log';
import { resolveFfmpegPath } from './ffmpeg-path';
import { PcmChunker } from './pcm-chunker';

/** How often (wall time) a running decode checks that its source file is still there. */
const SOURCE_CHECK_MS = 1_000;
const MAX_WARNINGS = 20;

export interface AudioProbe {
  /** Container duration; null when the container does not say (raw streams, some live recordings). */
  durationSec: number | null;
  /** ffmpeg's demuxer name, e.g. `mp3`, `ogg`, `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `wav`. */
  container: string;
  /** Codec of the audio stream that will be decoded (the first one), e.g. `aac`, `opus`, `pcm_s16le`. */
  codec: string;
  channels: number;
  sampleRate: number;
}

export interface DecodeStats {
  /** 16 kHz mono samples delivered so far. */
  samples: number;
  /** Packets ffmpeg could not decode and skipped (plus demuxer read errors). */
  corruptPackets: number;
  /** The first ffmpeg warnings/errors, for logs and the job report. */
  warnings: string[];
}

export interface DecodeOptions {
  /** Start this many seconds into the file (input seek; sample-accurate for the formats we ship). */
  startSec?: number;
  /** Stop after this many seconds of audio (from startSec); the whole rest of the file when absent. */
  durationSec?: number;
  /** Abort kills ffmpeg; the iteration then throws RotorError CANCELLED. */
  signal?: AbortSignal;
  /** Samples per chunk (the last chunk may be shorter). Default {@link DEFAULT_CHUNK_SAMPLES}. */
  chunkSamples?: number;
}

export type AudioStream = AsyncIterable<Float32Array> & { stats(): DecodeStats };

function cancelled(): RotorError {
  return new RotorError('CANCELLED', 'Decoding was cancelled.');
}

/** ffmpeg treats `a:b` as a protocol: `file:` keeps a name such as `http:x.mp3` or `-x.mp3` a local file. */
function inputArg(path: string): string {
  return `file:${resolvePath(path)}`;
}

function ffmpegMissing(error: unknown): RotorError {
  return new RotorError('INTERNAL', 'The ffmpeg program could not be started.', {
    hint: 'Reinstall RotorScribe.',
    detail: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

function notMedia(path: string, detail: string): RotorError {
  return new RotorError('AUDIO_UNSUPPORTED', `This is not an audio or video file: ${path}`, {
    hint: 'Choose an audio or video file (mp3, wav, m4a, ogg, opus, flac, webm, mp4, mkv, mov …).',
    detail,
  });
}

async function failureError(path: string, kind: FailureKind, stderr: string): Promise<RotorError> {
  const detail = stderr.trim().split('\n').slice(-6).join('\n');
  switch (kind) {
    case 'not-found':
      return new RotorError('FILE_NOT_FOUND', `The file does not exist or was moved: ${path}`, { detail });
    case 'unreadable':
      return new RotorError('FILE_UNREADABLE', `The file cannot be read: ${path}`, {
        hint: 'Check that the drive is connected and the file is readable.',
        detail,
      });
    case 'no-audio': {
      const probe = parseProbeLog(stderr);
      const head = await readHead(path, 512).catch(() => new Uint8Array());
      if (probe.container === 'tty' || (!looksLikeMedia(head) && looksLikeText(head)))
        return notMedia(path, detail);
      const what = probe.hasVideo
        ? 'a video or image without an audio track'
        : 'a file without an audio track';
      return new RotorError('AUDIO_UNSUPPORTED', `This is ${what}: ${path}`, {
        hint: 'Choose a recording that contains sound.',
        detail,
      });
    }
    case 'unrecognised': {
      const head = await readHead(path).catch(() => new Uint8Array());
      if (looksLikeMedia(head)) {
        return new RotorError(
          'AUDIO_CORRUPT',
          `The file looks like audio but is too damaged to open: ${path}`,
          {
            hint: 'The download or copy may be incomplete; try the original file.',
            detail,
          },
        );
      }
      return notMedia(path, detail);
    }
    case 'corrupt':
      return new RotorError('AUDIO_CORRUPT', `The audio in this file could not be decoded: ${path}`, {
        hint: 'The file may be damaged; try the original recording.',
        detail,
      });
  }
}

/** Runs ffmpeg to completion collecting stderr (small: a bare `-i` prints only the input description). */
function runForStderr(
  args: string[],
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    let child;
    try {
      child = spawn(resolveFfmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    } catch (error) {
      return reject(error instanceof RotorError ? error : ffmpegMissing(error));
    }
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < 256_000) stderr += text;
    });
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(ffmpegMissing(error));
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(cancelled());
      else resolve({ code, stderr });
    });
  });
}

/**
 * Describes the audio of a file without decoding it.
 * @throws RotorError FILE_NOT_FOUND, FILE_EMPTY, FILE_UNREADABLE, AUDIO_UNSUPPORTED (not media, or media without an
 *   audio stream: text, image, silent video), AUDIO_CORRUPT (media signature but unopenable), CANCELLED.
 */
export async function probeAudio(path: string, opts: { signal?: AbortSignal } = {}): Promise<AudioProbe> {
  await checkInputFile(path);
  const { stderr } = await runForStderr(['-hide_banner', '-nostdin', '-i', inputArg(path)], opts.signal);
  const log = parseProbeLog(stderr);
  const first = log.audio[0];
  if (log.container === null || first === undefined) {
    throw await failureError(path, classifyFailure(stderr), stderr);
  }
  return {
    durationSec: log.durationSec,
    container: log.container,
    codec: first.codec,
    channels: first.channels,
    sampleRate: first.sampleRate,
  };
}

/** The ffmpeg command line of a decode; exported for tests and logs. */
export function decodeArgs(path: string, startSec = 0, durationSec?: number): string[] {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'repeat+level+warning'];
  // Keep going over damaged packets instead of stopping; each one is reported on stderr and counted.
  args.push('-err_detect', 'ignore_err', '-fflags', '+discardcorrupt');
  if (startSec > 0) args.push('-ss', startSec.toFixed(3));
  // An input option like -ss: ffmpeg stops reading the file there instead of decoding the rest for nothing.
  if (durationSec !== undefined) args.push('-t', durationSec.toFixed(3));
  args.push('-i', inputArg(path), '-map', '0:a:0', '-vn', '-sn', '-dn');
  args.push('-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 'f32le', 'pipe:1');
  return args;
}

/**
 * Streams a file as 16 kHz mono float32 chunks. Nothing runs until iteration starts; every iteration spawns its own
 * ffmpeg, which is killed (and reaped) when the loop ends early, throws, or the signal aborts.
 *
 * Errors (thrown from the iteration): FILE_NOT_FOUND (also when the file vanishes mid-decode), FILE_EMPTY,
 * FILE_UNREADABLE (also when it is truncated mid-decode), AUDIO_UNSUPPORTED, AUDIO_CORRUPT (nothing decodable),
 * CANCELLED. Damaged packets in an otherwise good file are skipped and counted in `stats().corruptPackets`.
 */
export function decodeAudio(path: string, opts: DecodeOptions = {}): AudioStream {
  const startSec = opts.startSec ?? 0;
  const chunkSamples = opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES;
  if (!Number.isFinite(startSec) || startSec < 0) {
    throw new RotorError('INTERNAL', `startSec must be a finite number >= 0, got ${startSec}`);
  }
  const { durationSec } = opts;
  if (durationSec !== undefined && !(Number.isFinite(durationSec) && durationSec > 0)) {
    throw new RotorError('INTERNAL', `durationSec must be a finite number > 0, got ${durationSec}`);
  }
  if (!Number.isInteger(chunkSamples) || chunkSamples <= 0) {
    throw new RotorError('INTERNAL', `chunkSamples must be a positive integer, got ${chunkSamples}`);
  }
  let stats: DecodeStats = { samples: 0, corruptPackets: 0, warnings: [] };
  return {
    stats: () => ({ ...stats, warnings: [...stats.warnings] }),
    [Symbol.asyncIterator]() {
      stats = { samples: 0, corruptPackets: 0, warnings: [] };
      return run(path, { startSec, durationSec }, chunkSamples, opts.signal, stats);
    },
  };
}

async function* run(
  path: string,
  { startSec, durationSec }: { startSec: number; durationSec: number | undefined },
  chunkSamples: number,
  signal: AbortSignal | undefined,
  stats: DecodeStats,
): AsyncGenerator<Float32Array> {
  if (signal?.aborted) throw cancelled();
  const before: Stats = await checkInputFile(path);
  if (signal?.aborted) throw cancelled();

  const input = inputArg(path);
  const child = spawn(resolveFfmpegPath(), decodeArgs(path, startSec, durationSec), {
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let spawnError: unknown;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });

  // stderr: count damaged packets, keep the first warnings and the tail for error messages; never the whole log.
  let tail = '';
  let readErrors = 0;
  const lines = new LineSplitter();
  const onLine = (line: string): void => {
    if (isCorruptPacketLine(line)) stats.corruptPackets++;
    else if (isInputReadErrorLine(line, input)) {
      readErrors++;
      stats.corruptPackets++;
    }
    stats.corruptPackets += folded(line);
    if (stats.warnings.length < MAX_WARNINGS) stats.warnings.push(line);
    tail = (tail + line + '\n').slice(-8_000);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => lines.push(text).forEach(onLine));
  child.stderr.on('end', () => lines.flush().forEach(onLine));

  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal?.addEventListener('abort', kill, { once: true });

  const chunker = new PcmChunker(chunkSamples);
  let lastCheck = Date.now();
  try {
    for await (const bytes of child.stdout as AsyncIterable<Buffer>) {
      for (const chunk of chunker.push(bytes)) {
        stats.samples += chunk.length;
        yield chunk;
      }
      if (Date.now() - lastCheck >= SOURCE_CHECK_MS) {
        lastCheck = Date.now();
        await ensureUnchanged(path, before);
      }
    }
    const code = await closed;
    if (signal?.aborted) throw cancelled();
    if (spawnError !== undefined) throw ffmpegMissing(spawnError);
    const { chunk, strayBytes } = chunker.flush();
    if (strayBytes > 0)
      stats.warnings.push(`decoder output ended inside a sample (${strayBytes} stray bytes)`);
    await ensureUnchanged(path, before);
    if (
      code !== 0 ||
      (stats.samples === 0 && chunk === null && (stats.corruptPackets > 0 || readErrors > 0))
    ) {
      if (stats.samples === 0 && chunk === null) {
        // Nothing came out: a bare probe tells a foreign file from a damaged one precisely.
        await probeAudio(path, signal ? { signal } : {});
        const kind = classifyFailure(tail);
        throw await failureError(
          path,
          kind === 'not-found' || kind === 'unreadable' ? kind : 'corrupt',
          tail,
        );
      }
      stats.warnings.push(`ffmpeg stopped early (exit ${code}); the rest of the file could not be read`);
    } else if (readErrors > 0) {
      const at = ((stats.samples + (chunk?.length ?? 0)) / SAMPLE_RATE + startSec).toFixed(1);
      stats.warnings.push(
        `reading stopped at a damaged spot ${at} s into the file; the rest could not be decoded`,
      );
    }
    if (chunk !== null) {
      stats.samples += chunk.length;
      yield chunk;
    }
  } finally {
    signal?.removeEventListener('abort', kill);
    child.stdout.destroy();
    kill();
    await exited;
  }
}
