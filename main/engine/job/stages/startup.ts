/**
 * The steps of a job before its first window is done, as `stage` events (common/library-schema.ts `JobStage`):
 * reading the recording (probe, checkpoint log, VAD load), finding speech (decode + VAD: the audio read so far),
 * then the first window being transcribed. The model load comes before them, from the engine host (it loads the
 * model before the job runs). Once a window is committed (done or restored) the job's `progress` events say
 * everything and no stage is sent again.
 */
import { samplesToSec } from '@common/audio';
import type { JobStage } from '@common/library-schema';
import type { PcmSource } from './source';

/** Audio read is reported at most this often (decoding runs hundreds of times faster than real time). */
export const STAGE_EVERY_MS = 250;

export class StartupStages {
  private over = false;
  private firstWindowSent = false;
  private finding = false;
  private samplesRead = 0;
  private lastReadMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly emit: (stage: JobStage) => void,
    private readonly now: () => number,
    private readonly everyMs = STAGE_EVERY_MS,
  ) {}

  readingAudio(): void {
    if (!this.over) this.emit({ name: 'reading_audio' });
  }

  findingSpeech(): void {
    if (this.over) return;
    this.finding = true;
    this.lastReadMs = this.now();
    this.emit({ name: 'finding_speech', audioSecRead: samplesToSec(this.samplesRead) });
  }

  /** A chunk of PCM was read from the source. */
  read(samples: number): void {
    this.samplesRead += samples;
    if (this.over || this.firstWindowSent || !this.finding) return;
    const t = this.now();
    if (t - this.lastReadMs < this.everyMs) return;
    this.lastReadMs = t;
    this.emit({ name: 'finding_speech', audioSecRead: samplesToSec(this.samplesRead) });
  }

  /** A window goes to the transcriber: the first one is the stage until a window is committed. */
  windowSent(startSec: number, endSec: number): void {
    if (this.over || this.firstWindowSent) return;
    this.firstWindowSent = true;
    this.emit({ name: 'first_window', startSec, endSec });
  }

  /** A window was committed: progress takes over. */
  end(): void {
    this.over = true;
  }
}

/** The same source, telling `onChunk` the length of each chunk it yields. */
export function countingSource(source: PcmSource, onChunk: (samples: number) => void): PcmSource {
  return {
    describe: (signal) => source.describe(signal),
    stats: () => source.stats(),
    dispose: () => source.dispose(),
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      return {
        async next() {
          const r = await it.next();
          if (!r.done) onChunk(r.value.length);
          return r;
        },
      };
    },
  };
}
