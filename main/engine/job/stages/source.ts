/**
 * The source stage: where the job's PCM comes from. A file (ffmpeg decode) and a live stream (pushed chunks, e.g. a
 * recording) feed the same VAD and cutter through one interface; the job owns the source and disposes it on every
 * path.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { RotorError } from '@common/errors';
import type { EndedEarly } from '../../audio/truncation';
import type { InputIdentity } from '../../checkpoints/store';
import { identifyInput } from '../input-identity';
import { type AudioRange, decodeWindow, rangedDurationSec } from './range';

export interface SourceStats {
  /** 16 kHz mono samples delivered so far. */
  samples: number;
  /** Damaged packets skipped by the decoder (0 for a live stream). */
  corruptPackets: number;
  warnings: string[];
  /** The file stopped well before the duration its header gives. */
  endedEarly?: EndedEarly;
}

export interface SourceInfo {
  /** Checked on resume: a job continues only on the same audio. */
  identity: InputIdentity;
  /** Length when known up front (a file's container duration); null for a live stream. */
  durationSec: number | null;
  /** File name for the transcript's metadata. */
  name: string;
}

/** 16 kHz mono Float32Array chunks of any length, in order. */
export interface PcmSource extends AsyncIterable<Float32Array> {
  /** Called once, before iteration. */
  describe(signal: AbortSignal): Promise<SourceInfo>;
  stats(): SourceStats;
  /** Releases what the source holds (a decoder process, queued chunks); idempotent. */
  dispose(): Promise<void> | void;
}

export type DecodedStream = AsyncIterable<Float32Array> & { stats(): SourceStats };

export interface FileSourceDeps {
  probe(path: string, opts: { signal?: AbortSignal }): Promise<{ durationSec: number | null }>;
  decode(
    path: string,
    opts: { signal?: AbortSignal; chunkSamples?: number; startSec?: number; durationSec?: number },
  ): DecodedStream;
}

/**
 * A file decoded by ffmpeg (main/engine/audio/decode.ts in production, a scripted stream in tests); with `range`,
 * only that part of it (its PCM then starts at the range's start).
 */
export function createFileSource(
  path: string,
  deps: FileSourceDeps,
  opts: { chunkSamples: number; signal: AbortSignal; range?: AudioRange },
): PcmSource {
  let stream: DecodedStream | null = null;
  let iterator: AsyncIterator<Float32Array> | null = null;
  let disposed = false;
  const empty: SourceStats = { samples: 0, corruptPackets: 0, warnings: [] };
  return {
    async describe(signal) {
      const probe = await deps.probe(path, { signal });
      return {
        identity: await identifyInput(path),
        durationSec: rangedDurationSec(probe.durationSec, opts.range),
        name: basename(path),
      };
    },
    stats: () => stream?.stats() ?? empty,
    [Symbol.asyncIterator]() {
      if (disposed) throw new RotorError('INTERNAL', 'The audio source was disposed.');
      stream = deps.decode(path, {
        signal: opts.signal,
        chunkSamples: opts.chunkSamples,
        ...decodeWindow(opts.range),
      });
      iterator = stream[Symbol.asyncIterator]();
      return iterator;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      // Ends the decoder if the job stopped reading early (error, cancel); a finished iterator ignores this.
      await iterator?.return?.();
    },
  };
}

export interface PushSource extends PcmSource {
  /** Queues a chunk (copied: the caller may reuse its buffer). */
  push(pcm: Float32Array): void;
  /** No more audio: the job flushes the VAD and cutter and finishes. */
  end(): void;
  /** Ends the stream with an error (e.g. the microphone went away); the job fails with it. */
  fail(error: unknown): void;
}

export interface PushSourceOptions {
  /**
   * Names the stream for resume checks. A live stream cannot be replayed, so by default every push source is a new
   * input; a caller that re-feeds the same saved audio passes the same id to resume.
   */
  id?: string;
  name?: string;
  durationSec?: number | null;
}

/** A live stream: the producer pushes PCM as it arrives; the job pulls it through the same stages as a file. */
export function createPushSource(opts: PushSourceOptions = {}): PushSource {
  const id = opts.id ?? randomUUID();
  const queue: Float32Array[] = [];
  let ended = false;
  let failure: { error: unknown } | null = null;
  let samples = 0;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const source: PushSource = {
    async describe() {
      return {
        identity: { path: `live:${id}`, size: 0, mtimeMs: 0, headSha256: id, tailSha256: id },
        durationSec: opts.durationSec ?? null,
        name: opts.name ?? 'Recording',
      };
    },
    stats: () => ({ samples, corruptPackets: 0, warnings: [] }),
    push(pcm) {
      if (ended) throw new RotorError('INTERNAL', 'Audio pushed after the end of the stream.');
      if (pcm.length === 0) return;
      queue.push(pcm.slice());
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    fail(error) {
      failure ??= { error };
      ended = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift();
        if (next) {
          samples += next.length;
          yield next;
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    dispose() {
      queue.length = 0;
      ended = true;
      notify();
    },
  };
  return source;
}
