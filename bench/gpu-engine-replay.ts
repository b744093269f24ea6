/**
 * The job's front end (ffmpeg decode + Silero VAD) recorded on one machine and replayed on another, for the GPU
 * engine bench (bench/gpu-engine.ts): the CUDA host has no ffmpeg, no onnxruntime and no espeak, and carrying them
 * (and an hour of audio) does not fit in what a device call may take along. The VAD's decisions are recorded per
 * pushed chunk (the regions it closed and its open region's start) on the real meeting; the replay gives the cutter
 * the same decisions at the same chunks, over stand-in PCM of the same length, so the job cuts the same windows and
 * the model hears the same number of samples per window. Random weights make the audio's content irrelevant to the
 * model's speed; the front end's own time is measured where it was recorded and reported apart.
 */
import type { SpeechRegion } from '../main/engine/scheduler/cutter';
import type { StreamingVad } from '../main/engine/job/stages/front-end';
import type { DecodedStream } from '../main/engine/job/runner';

export interface VadPush {
  /** Index of the push (chunk) after which these regions closed. */
  i: number;
  regions: SpeechRegion[];
}

export interface FrontEndRecording {
  /** Probed container duration of the recording. */
  durationSec: number | null;
  /** Samples the decoder delivered (16 kHz mono). */
  samples: number;
  chunkSamples: number;
  /** Length of every push, in order (run-length: [length, count] pairs). */
  pushLengths: [number, number][];
  /** Pushes that closed regions (the others closed none). */
  closed: VadPush[];
  /** openStartSec after each push, run-length encoded: [value, count] pairs. */
  open: [number | null, number][];
  /** Regions the final flush closed. */
  flushed: SpeechRegion[];
  /** Wall seconds of the model-free job pass where it was recorded (decode + VAD + cutter + job folder). */
  frontEndSec: number;
  /** Windows that pass cut, for comparison with the replay's. */
  windows: number;
}

function runLengthPush<T>(runs: [T, number][], v: T): void {
  const last = runs.at(-1);
  if (last && last[0] === v) last[1]++;
  else runs.push([v, 1]);
}

function expand<T>(runs: readonly [T, number][]): T[] {
  return runs.flatMap(([v, n]) => Array.from({ length: n }, () => v));
}

/** Wraps a real VAD and records what it decided at every push. */
export class RecordingVad implements StreamingVad {
  private n = 0;
  readonly pushLengths: [number, number][] = [];
  readonly closed: VadPush[] = [];
  readonly open: [number | null, number][] = [];
  flushed: SpeechRegion[] = [];

  constructor(private readonly inner: StreamingVad) {}

  get openStartSec(): number | null {
    return this.inner.openStartSec;
  }

  async push(pcm: Float32Array): Promise<SpeechRegion[]> {
    const regions = await this.inner.push(pcm);
    runLengthPush(this.pushLengths, pcm.length);
    if (regions.length) this.closed.push({ i: this.n, regions });
    runLengthPush(this.open, this.inner.openStartSec);
    this.n++;
    return regions;
  }

  async flush(): Promise<SpeechRegion[]> {
    this.flushed = await this.inner.flush();
    return this.flushed;
  }

  async dispose(): Promise<void> {
    await this.inner.dispose?.();
  }
}

/** Gives back the recorded decisions push by push; a push of another length means the stream differs: it throws. */
export class ReplayVad implements StreamingVad {
  private n = 0;
  private readonly lengths: number[];
  private readonly opens: (number | null)[];
  private readonly closedAt: Map<number, SpeechRegion[]>;

  constructor(private readonly rec: FrontEndRecording) {
    this.lengths = expand(rec.pushLengths);
    this.opens = expand(rec.open);
    this.closedAt = new Map(rec.closed.map((p) => [p.i, p.regions]));
  }

  get openStartSec(): number | null {
    return this.n === 0 ? null : (this.opens[this.n - 1] ?? null);
  }

  push(pcm: Float32Array): SpeechRegion[] {
    const want = this.lengths[this.n];
    if (want !== pcm.length)
      throw new Error(`replayed VAD: push ${this.n} has ${pcm.length} samples, the recording ${want}`);
    return this.closedAt.get(this.n++) ?? [];
  }

  flush(): SpeechRegion[] {
    if (this.n !== this.lengths.length)
      throw new Error(`replayed VAD: ${this.n} pushes, the recording has ${this.lengths.length}`);
    return this.rec.flushed;
  }
}

/**
 * `samples` of stand-in audio in chunks of `chunkSamples`: one block of `block` repeated (its content does not
 * matter to a model with random weights; its length does).
 */
export function standInStream(samples: number, chunkSamples: number, block: Float32Array): DecodedStream {
  let delivered = 0;
  return {
    stats: () => ({ samples: delivered, corruptPackets: 0, warnings: [] }),
    async *[Symbol.asyncIterator]() {
      while (delivered < samples) {
        const n = Math.min(chunkSamples, samples - delivered);
        const out = new Float32Array(n);
        for (let k = 0; k < n; k++) out[k] = block[(delivered + k) % block.length]!;
        delivered += n;
        yield out;
      }
    },
  };
}

/** Seconds of recorded speech inside [startSec, endSec). */
export function speechSecIn(regions: readonly SpeechRegion[], startSec: number, endSec: number): number {
  let s = 0;
  for (const r of regions) s += Math.max(0, Math.min(r.endSec, endSec) - Math.max(r.startSec, startSec));
  return s;
}

/** Every region the recording holds, in order. */
export function allRegions(rec: FrontEndRecording): SpeechRegion[] {
  return [...rec.closed.flatMap((p) => p.regions), ...rec.flushed];
}
