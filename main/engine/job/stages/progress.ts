/**
 * Job progress (pure): speed, ETA and the window total.
 *
 * Speed is audio seconds per wall second over the whole run — decode, VAD and model included — counting only
 * audio this run worked on (windows restored from an earlier run are excluded from the audio, their replay time is
 * not). The window total is an estimate that never decreases while the job runs: the windows cut so far plus a
 * lower-bound guess for the rest (the rest's length × the share of audio that went into windows so far ÷ the
 * longest window the cutter makes); it is exact at the end. Only a rest much quieter than what came before (a long
 * silent tail) makes the final count lower than the last estimate.
 */

export interface JobProgress {
  /** Windows finished, restored ones included. */
  windowsDone: number;
  /** Estimate; never decreases while the job runs, exact at the end. Null while nothing is known. */
  windowsTotal: number | null;
  /** Windows taken from the saved job instead of being transcribed again. */
  windowsRestored: number;
  /** Audio finished, from the start of the recording (seconds). */
  audioSecDone: number;
  durationSec: number | null;
  /** Wall seconds since this run started. */
  elapsedSec: number;
  /** Audio seconds per wall second in this run (× real time; > 1 is faster than real time). Null before any work. */
  speedX: number | null;
  /** Real-time factor: wall seconds per audio second, 1 / speedX (< 1 is faster than real time). */
  rtf: number | null;
  /** Seconds left at the current speed; 0 at the end, null while unknown. */
  etaSec: number | null;
}

export interface ProgressOptions {
  durationSec: number | null;
  /** The cutter's longest window: no window covers more audio, so it bounds the count from below. */
  maxWindowSec: number;
  /** Wall clock (ms) when the run started. */
  startedMs: number;
}

/** Audio (s) over which the window share is judged at the least. */
const PRIOR_SEC = 600;

export class ProgressTracker {
  private windowsCut = 0;
  private cutEndSec = 0;
  private coveredSec = 0;
  private done = 0;
  private restoredCount = 0;
  private audioDone = 0;
  private restoredAudio = 0;
  private total: number | null = null;

  constructor(private readonly opts: ProgressOptions) {}

  /** The cutter decided a window (restored or to be transcribed): refines the window total. */
  windowCut(w: { startSec: number; endSec: number; overlapSec: number }): void {
    this.windowsCut++;
    this.cutEndSec = Math.max(this.cutEndSec, w.endSec);
    this.coveredSec += Math.max(0, w.endSec - w.startSec - w.overlapSec);
    const dur = this.opts.durationSec;
    if (dur === null || this.cutEndSec <= 0) return;
    // The share of audio that goes into windows, judged over at least PRIOR_SEC: the start of a recording says
    // little about the rest, and too high a share early would overshoot (the total can then only come down).
    const share = Math.min(1, this.coveredSec / Math.max(this.cutEndSec, Math.min(dur, PRIOR_SEC)));
    const rest = Math.max(0, dur - this.cutEndSec);
    const estimate = this.windowsCut + Math.floor((share * rest) / this.opts.maxWindowSec);
    this.total = Math.max(this.total ?? 0, estimate);
  }

  windowRestored(endSec: number): void {
    this.done++;
    this.restoredCount++;
    this.audioDone = Math.max(this.audioDone, endSec);
    this.restoredAudio = this.audioDone;
  }

  windowDone(endSec: number): void {
    this.done++;
    this.audioDone = Math.max(this.audioDone, endSec);
  }

  snapshot(nowMs: number): JobProgress {
    const elapsedSec = Math.max(0, (nowMs - this.opts.startedMs) / 1000);
    // A run that only returned saved windows did no work worth a speed.
    const worked = this.done > this.restoredCount ? this.audioDone - this.restoredAudio : 0;
    const speedX = worked > 0 && elapsedSec > 0 ? worked / elapsedSec : null;
    const dur = this.opts.durationSec;
    return {
      windowsDone: this.done,
      windowsTotal: this.total === null ? null : Math.max(this.total, this.done),
      windowsRestored: this.restoredCount,
      audioSecDone: this.audioDone,
      durationSec: dur,
      elapsedSec,
      speedX,
      rtf: speedX === null ? null : 1 / speedX,
      etaSec: speedX === null || dur === null ? null : Math.max(0, dur - this.audioDone) / speedX,
    };
  }

  /** The job ended: the whole audio (`audioSec`, silent tail included) is done and the total is exact. */
  finish(audioSec: number, nowMs: number): JobProgress {
    this.audioDone = Math.max(this.audioDone, audioSec);
    this.total = this.done;
    return { ...this.snapshot(nowMs), windowsTotal: this.done, etaSec: 0 };
  }
}
