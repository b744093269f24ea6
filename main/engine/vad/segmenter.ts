/**
 * Turns per-frame speech probabilities into speech regions, streaming: a region is emitted as soon as nothing later
 * in the audio can change it. Same rules as Silero's reference `get_speech_timestamps` (hysteresis between
 * `threshold` and `negThreshold`, minimum silence to close, minimum speech to keep, padding split at the midpoint
 * when two regions are closer than twice the pad), so feeding the frames in any grouping gives the same regions.
 * Pure arithmetic on sample indices; no model, no I/O.
 */

export interface SegmenterOptions {
  /** Speech starts when a frame's probability is >= this. */
  threshold: number;
  /** Speech may end when a frame's probability is < this (default threshold - 0.15, at least 0.01). */
  negThreshold?: number;
  /** Silence shorter than this does not end a region. */
  minSilenceMs: number;
  /** Regions shorter than this (before padding) are dropped. */
  minSpeechMs: number;
  /** Added to both ends of every region (split evenly where two regions are closer than twice this). */
  speechPadMs: number;
  sampleRate: number;
  frameSamples: number;
}

/** A region in samples from the start of the stream: [start, end). */
export interface SampleRegion {
  start: number;
  end: number;
}

export class SpeechSegmenter {
  private readonly negThreshold: number;
  private readonly minSilence: number;
  private readonly minSpeech: number;
  private readonly pad: number;
  private frames = 0;
  private triggered = false;
  private speechStart = 0;
  private silenceStart = 0;
  /** Last kept region: start final (padded), end raw until the next region or enough silence decides its pad. */
  private pending: SampleRegion | null = null;

  constructor(private readonly opts: SegmenterOptions) {
    if (!(opts.threshold > 0 && opts.threshold < 1)) throw new RangeError('threshold must be in (0, 1)');
    this.negThreshold = opts.negThreshold ?? Math.max(opts.threshold - 0.15, 0.01);
    this.minSilence = Math.round((opts.sampleRate * opts.minSilenceMs) / 1000);
    this.minSpeech = Math.round((opts.sampleRate * opts.minSpeechMs) / 1000);
    this.pad = Math.round((opts.sampleRate * opts.speechPadMs) / 1000);
  }

  /** Samples covered by the frames pushed so far. */
  get position(): number {
    return this.frames * this.opts.frameSamples;
  }

  /**
   * Start (padded, in samples) of the earliest region not yet emitted: the pending one, else the one in progress;
   * null when the stream is in silence. A later emit may start slightly later (midpoint padding), never earlier.
   */
  openStart(): number | null {
    if (this.pending) return this.pending.start;
    return this.triggered ? Math.max(0, this.speechStart - this.pad) : null;
  }

  /** One frame's probability; returns the regions that became final. */
  pushFrame(probability: number): SampleRegion[] {
    const out: SampleRegion[] = [];
    const cur = this.position;
    this.frames++;
    if (probability >= this.opts.threshold) {
      this.silenceStart = 0;
      if (!this.triggered) {
        this.triggered = true;
        this.speechStart = cur;
      }
    } else if (probability < this.negThreshold && this.triggered) {
      if (this.silenceStart === 0) this.silenceStart = cur;
      if (cur - this.silenceStart >= this.minSilence) {
        this.close(this.silenceStart, out);
        this.triggered = false;
        this.silenceStart = 0;
      }
    }
    this.settlePending(out);
    return out;
  }

  /** End of stream: closes an open region at `totalSamples` and releases everything. */
  finish(totalSamples: number): SampleRegion[] {
    const out: SampleRegion[] = [];
    if (this.triggered && totalSamples - this.speechStart > this.minSpeech) this.close(totalSamples, out);
    this.triggered = false;
    this.silenceStart = 0;
    if (this.pending) {
      out.push({ start: this.pending.start, end: Math.min(totalSamples, this.pending.end + this.pad) });
      this.pending = null;
    }
    return out;
  }

  private close(end: number, out: SampleRegion[]): void {
    if (end - this.speechStart < this.minSpeech) return;
    let start = Math.max(0, this.speechStart - this.pad);
    if (this.pending) {
      const gap = this.speechStart - this.pending.end;
      if (gap < 2 * this.pad) {
        const half = Math.floor(gap / 2);
        out.push({ start: this.pending.start, end: this.pending.end + half });
        start = Math.max(0, this.speechStart - half);
      } else {
        out.push({ start: this.pending.start, end: this.pending.end + this.pad });
      }
    }
    this.pending = { start, end };
  }

  /** The pending region's end pad is final once no later region can start within 2 * pad of it. */
  private settlePending(out: SampleRegion[]): void {
    if (!this.pending) return;
    const earliestNext = this.triggered ? this.speechStart : this.position;
    if (earliestNext - this.pending.end >= 2 * this.pad) {
      out.push({ start: this.pending.start, end: this.pending.end + this.pad });
      this.pending = null;
    }
  }
}
