/**
 * Streaming audio decode: any container/codec ffmpeg reads becomes 16 kHz mono float32, delivered in fixed-size
 * chunks with backpressure, so memory does not grow with the length of the file. ffmpeg runs as WebAssembly in a
 * worker thread (wasm/backend.ts) unless ROTORSCRIBE_DECODER=native asks for the shipped native program.
 */
import type { Stats } from 'node:fs';
import { SAMPLE_RATE, DEFAULT_CHUNK_SAMPLES } from '@common/audio';
import { RotorError } from '@common/errors';
import { checkInputFile, ensureUnchanged, looksLikeText, readHead } from './file-check';
import { wavHeaderDuration } from './wav-header';
import {
  type FailureKind,
  classifyFailure,
  folded,
  isCorruptPacketLine,
  isInputReadErrorLine,
  looksLikeMedia,
  parseProbeLog,
} from './ffmpeg-log';
import type { FfmpegBackend, FfmpegRun, RunFailure } from './ffmpeg-run';
import { nativeBackend } from './native-backend';
import { PcmChunker } from './pcm-chunker';
import { type EndedEarly, endedEarly, endedEarlyWarning } from './truncation';
import { wasmBackend } from './wasm/backend';

export type DecoderName = 'wasm' | 'native';

/** The decoder a call uses: the option, else ROTORSCRIBE_DECODER, else the sandboxed wasm build. */
export function chooseDecoder(name?: DecoderName, env: NodeJS.ProcessEnv = process.env): FfmpegBackend {
  const wanted = name ?? env.ROTORSCRIBE_DECODER;
  if (wanted === undefined || wanted === '' || wanted === 'wasm') return wasmBackend;
  if (wanted === 'native') return nativeBackend;
  throw new RotorError('INTERNAL', `ROTORSCRIBE_DECODER must be wasm or native, got ${wanted}`);
}

/** How often (wall time) a running decode checks that its source file is still there. */
const SOURCE_CHECK_MS = 1_000;
const MAX_WARNINGS = 20;
/**
 * The input may open nothing but files: a playlist or session description inside a "recording" (HLS, SDP, RTSP)
 * would otherwise make ffmpeg connect to the addresses it lists.
 */
const LOCAL_ONLY = ['-protocol_whitelist', 'file'];
/** ffmpeg's level tag on a line of its own (not one prefixed with a component such as `[mp3 @ 0x…]`). */
const INFO_PREFIX = /^\[info\] /;

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
  /** Set when the file ended well before the duration its header gives (a warning says the same). */
  endedEarly?: EndedEarly;
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
  /** Which ffmpeg runs (see {@link chooseDecoder}). */
  decoder?: DecoderName;
}

export type AudioStream = AsyncIterable<Float32Array> & { stats(): DecodeStats };

function cancelled(): RotorError {
  return new RotorError('CANCELLED', 'Decoding was cancelled.');
}

/** A run that ended without ffmpeg deciding: an installation problem, or the sandbox stopped a bad decoder. */
async function runFailureError(path: string, failure: RunFailure): Promise<RotorError> {
  // The file may have gone away underneath the decoder (deleted, or swapped for a FIFO between the check and the
  // decoder's open, which fails it before it is ready): that error says more than the decoder's.
  await checkInputFile(path);
  if (failure.kind === 'missing') {
    return new RotorError('INTERNAL', 'The audio decoder could not be started.', {
      hint: 'Reinstall RotorScribe.',
      detail: failure.detail,
    });
  }
  return new RotorError(
    'AUDIO_CORRUPT',
    failure.kind === 'stalled'
      ? `The decoder stopped making progress on this file and was stopped: ${path}`
      : `The decoder failed on damaged data in this file and was stopped: ${path}`,
    { hint: 'The file may be damaged; try the original recording.', detail: failure.detail },
  );
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

/**
 * Why ffmpeg failed, from its log. Inside the sandbox "No such file" can only be about a name the file itself
 * refers to (a playlist entry, say): whether the file is there is known on this side, so that is checked instead.
 */
async function failureKind(backend: FfmpegBackend, path: string, stderr: string): Promise<FailureKind> {
  const kind = classifyFailure(stderr);
  if (kind !== 'not-found' || backend.name === 'native') return kind;
  await checkInputFile(path);
  return 'unrecognised';
}

/** Runs ffmpeg to completion collecting stderr (small: a bare `-i` prints only the input description). */
async function runForStderr(
  backend: FfmpegBackend,
  path: string,
  args: string[],
  signal: AbortSignal | undefined,
): Promise<{ code: number | null; stderr: string; failure: RunFailure | undefined }> {
  if (signal?.aborted) throw cancelled();
  let stderr = '';
  const run = backend.start(path, args, {
    output: false,
    onLine: (line) => {
      if (stderr.length < 256_000) stderr += line + '\n';
    },
  });
  const onAbort = (): void => run.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await run.closed;
    await run.exited;
    if (signal?.aborted) throw cancelled();
    return { code, stderr, failure: run.failure() };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Describes the audio of a file without decoding it.
 * @throws RotorError FILE_NOT_FOUND, FILE_EMPTY, FILE_UNREADABLE, AUDIO_UNSUPPORTED (not media, or media without an
 *   audio stream: text, image, silent video), AUDIO_CORRUPT (media signature but unopenable), CANCELLED.
 */
export async function probeAudio(
  path: string,
  opts: { signal?: AbortSignal; decoder?: DecoderName } = {},
): Promise<AudioProbe> {
  await checkInputFile(path);
  const backend = chooseDecoder(opts.decoder);
  const args = ['-hide_banner', '-nostdin', ...LOCAL_ONLY, '-i', backend.inputArg(path)];
  const { stderr, failure } = await runForStderr(backend, path, args, opts.signal);
  if (failure !== undefined) throw await runFailureError(path, failure);
  const log = parseProbeLog(stderr);
  const first = log.audio[0];
  if (log.container === null || first === undefined) {
    throw await failureError(path, await failureKind(backend, path, stderr), stderr);
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
export function decodeArgs(
  path: string,
  startSec = 0,
  durationSec?: number,
  backend: FfmpegBackend = chooseDecoder(),
): string[] {
  // -y: the wasm build's output is a device that already exists. Info level for the input description (the
  // header's duration, for files that end early); -nostats drops the progress lines.
  const args = ['-hide_banner', '-nostdin', '-nostats', '-y', '-loglevel', 'repeat+level+info'];
  // Keep going over damaged packets instead of stopping; each one is reported on stderr and counted.
  args.push('-err_detect', 'ignore_err', '-fflags', '+discardcorrupt', ...LOCAL_ONLY);
  if (startSec > 0) args.push('-ss', startSec.toFixed(3));
  // An input option like -ss: ffmpeg stops reading the file there instead of decoding the rest for nothing.
  if (durationSec !== undefined) args.push('-t', durationSec.toFixed(3));
  args.push('-i', backend.inputArg(path), '-map', '0:a:0', '-vn', '-sn', '-dn');
  args.push('-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 'f32le', backend.outputArg);
  return args;
}

/**
 * Streams a file as 16 kHz mono float32 chunks. Nothing runs until iteration starts; every iteration spawns its own
 * ffmpeg, which is killed (and reaped) when the loop ends early, throws, or the signal aborts.
 *
 * Errors (thrown from the iteration): FILE_NOT_FOUND (also when the file vanishes mid-decode), FILE_EMPTY (also a
 * whole-file decode that yields no samples), FILE_UNREADABLE (also when it is truncated mid-decode),
 * AUDIO_UNSUPPORTED, AUDIO_CORRUPT (nothing decodable), CANCELLED. Damaged packets in an otherwise good file are skipped and counted in `stats().corruptPackets`.
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
  const backend = chooseDecoder(opts.decoder);
  let stats: DecodeStats = { samples: 0, corruptPackets: 0, warnings: [] };
  return {
    stats: () => ({ ...stats, warnings: [...stats.warnings] }),
    [Symbol.asyncIterator]() {
      stats = { samples: 0, corruptPackets: 0, warnings: [] };
      return run(backend, path, { startSec, durationSec }, chunkSamples, opts.signal, stats);
    },
  };
}

async function* run(
  backend: FfmpegBackend,
  path: string,
  { startSec, durationSec }: { startSec: number; durationSec: number | undefined },
  chunkSamples: number,
  signal: AbortSignal | undefined,
  stats: DecodeStats,
): AsyncGenerator<Float32Array> {
  if (signal?.aborted) throw cancelled();
  const before: Stats = await checkInputFile(path);
  if (signal?.aborted) throw cancelled();

  const input = backend.inputArg(path);
  // stderr: count damaged packets, keep the first warnings and the tail for error messages; never the whole log.
  let tail = '';
  let readErrors = 0;
  // the input description ffmpeg prints first (info level), up to the output's
  let header = '';
  let inHeader = true;
  const onLine = (tagged: string): void => {
    const info = INFO_PREFIX.test(tagged);
    const line = tagged.replace(INFO_PREFIX, '');
    if (info) {
      if (inHeader && /^(Stream mapping:|Output #0)/.test(line)) inHeader = false;
      if (inHeader && header.length < 64_000) header += line + '\n';
      return;
    }
    if (isCorruptPacketLine(line)) stats.corruptPackets++;
    else if (isInputReadErrorLine(line, input)) {
      readErrors++;
      stats.corruptPackets++;
    }
    stats.corruptPackets += folded(line);
    if (stats.warnings.length < MAX_WARNINGS) stats.warnings.push(line);
    tail = (tail + line + '\n').slice(-8_000);
  };
  const ffmpeg: FfmpegRun = backend.start(path, decodeArgs(path, startSec, durationSec, backend), {
    output: true,
    onLine,
  });
  const kill = (): void => ffmpeg.kill();
  signal?.addEventListener('abort', kill, { once: true });

  const chunker = new PcmChunker(chunkSamples);
  let lastCheck = Date.now();
  try {
    for await (const bytes of ffmpeg.output) {
      for (const chunk of chunker.push(bytes)) {
        stats.samples += chunk.length;
        yield chunk;
      }
      if (Date.now() - lastCheck >= SOURCE_CHECK_MS) {
        lastCheck = Date.now();
        await ensureUnchanged(path, before);
      }
    }
    const code = await ffmpeg.closed;
    if (signal?.aborted) throw cancelled();
    const failure = ffmpeg.failure();
    if (failure !== undefined) throw await runFailureError(path, failure);
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
        await probeAudio(path, signal ? { signal, decoder: backend.name } : { decoder: backend.name });
        const kind = await failureKind(backend, path, tail);
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
    if (chunk !== null) stats.samples += chunk.length;
    if (durationSec === undefined) {
      // ffmpeg only guesses the duration of a raw stream from its bitrate: no promise to hold it to
      const estimated = /Estimating duration from bitrate/.test(tail);
      const probed = parseProbeLog(header);
      const headerSec =
        wavHeaderDuration(await readHead(path, 4096)) ?? (estimated ? null : probed.durationSec);
      const early = endedEarly(headerSec, startSec, stats.samples / SAMPLE_RATE, probed.hasVideo);
      if (early !== null) {
        stats.endedEarly = early;
        stats.warnings.unshift(endedEarlyWarning(early));
      }
    }
    if (stats.samples === 0 && !startSec && durationSec === undefined) {
      // A header and no sound (a recorder that wrote only its header, a data chunk of 0 bytes, a sample rate no
      // decoder can use): without this the job would end with an empty transcript and no word why.
      throw new RotorError(
        'FILE_EMPTY',
        `There is no audio in this file (its audio track is empty): ${path}`,
        {
          hint: 'The recording may have failed or the copy may be incomplete.',
        },
      );
    }
    if (chunk !== null) yield chunk;
  } finally {
    signal?.removeEventListener('abort', kill);
    kill();
    await ffmpeg.exited;
  }
}
