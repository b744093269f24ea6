/**
 * Source → VAD → cutter: the front end as one pull pipeline. The job pulls windows; each pull reads as much audio
 * as the next decision needs (a consumer that is busy transcribing stops the decoder, so memory stays flat).
 *
 * The source's chunks are re-framed to the job's fixed chunk size first: VAD and cut decisions are made at chunk
 * ends, so the same audio gives the same windows whether it came from a file or was pushed live in any sizes.
 */
import { RotorError } from '@common/errors';
import type { CutWindow, SpeechRegion, WindowCutter } from '../../scheduler/cutter';
import type { PcmSource } from './source';

/** The streaming VAD as main/engine/vad/silero.ts exposes it. */
export interface StreamingVad {
  push(pcm: Float32Array): Promise<SpeechRegion[]> | SpeechRegion[];
  readonly openStartSec: number | null;
  flush(): Promise<SpeechRegion[]> | SpeechRegion[];
  dispose?(): Promise<void> | void;
}

/** Re-frames chunks of any length into chunks of exactly `size` samples (the last one shorter). */
export class Reframer {
  private readonly acc: Float32Array;
  private fill = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size <= 0)
      throw new RangeError(`chunk size must be a positive integer: ${size}`);
    this.acc = new Float32Array(size);
  }

  push(pcm: Float32Array): Float32Array[] {
    // The common case (a decoder already emitting this size) passes through without a copy.
    if (this.fill === 0 && pcm.length === this.size) return [pcm];
    const out: Float32Array[] = [];
    let offset = 0;
    while (offset < pcm.length) {
      const take = Math.min(this.size - this.fill, pcm.length - offset);
      this.acc.set(pcm.subarray(offset, offset + take), this.fill);
      this.fill += take;
      offset += take;
      if (this.fill === this.size) {
        out.push(this.acc.slice());
        this.fill = 0;
      }
    }
    return out;
  }

  flush(): Float32Array | null {
    const rest = this.fill > 0 ? this.acc.slice(0, this.fill) : null;
    this.fill = 0;
    return rest;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new RotorError('CANCELLED'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RotorError('CANCELLED'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Windows in order as the cutter decides them. Cancellation interrupts even a source that is waiting for audio. */
export async function* cutWindows(
  source: PcmSource,
  vad: StreamingVad,
  cutter: WindowCutter,
  opts: { chunkSamples: number; signal: AbortSignal },
): AsyncGenerator<CutWindow> {
  const reframer = new Reframer(opts.chunkSamples);
  const step = async (pcm: Float32Array): Promise<CutWindow[]> => {
    const closed = await vad.push(pcm);
    return cutter.push(pcm, { closed, openStartSec: vad.openStartSec });
  };
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await untilAborted(it.next(), opts.signal);
    if (next.done) break;
    for (const pcm of reframer.push(next.value)) {
      yield* await step(pcm);
      if (opts.signal.aborted) throw new RotorError('CANCELLED');
    }
  }
  const rest = reframer.flush();
  if (rest) yield* await step(rest);
  yield* cutter.finish(await vad.flush());
}
