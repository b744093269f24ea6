/**
 * Streaming window cutter: turns 16 kHz PCM plus the VAD's speech regions into transcription windows.
 *
 * Rules (all decisions in integer samples so that they are reproducible bit for bit):
 * - a window starts `padSec` before its first speech region and ends `padSec` after its last one (less when the
 *   next region is closer), so windows are cut in silences;
 * - silences longer than `maxGapSec` close the window, and the silence itself is never sent to the model (pure
 *   silence invites hallucinations);
 * - a window never exceeds `maxWindowSec`: from a few seconds up to MAX_WINDOW_SEC (common/window-budget.ts, ~30 min,
 *   what one 32k context holds with room for the text); the runtime feeds a window longer than mtmd's 30 s chunk as
 *   consecutive chunks of one sequence;
 * - a single speech region longer than that is cut in the last `hardCutSearchSec` before `maxWindowSec` (never
 *   before `minWindowSec`; a "hard" cut) at its lowest-energy 20 ms frame, so long windows stay near their length;
 *   the next window then starts `overlapSec` earlier so that the stitcher can match the words heard twice;
 * - with `shortenedPauseSec` (a CPU plan, whose pauses reach the model shortened: main/engine/job/pauses.ts) a
 *   window is budgeted in heard samples — its length once its pauses are shortened, what the encoder and the prefill
 *   pay for — up to the whole 30 s encoder chunks that fit in `maxWindowSec` (common/window-budget.ts
 *   chunkFilledWindowSamples), and the last two windows of a stretch of speech (the one before a pause over
 *   `maxGapSec`, or the end) are re-cut at the pause that needs the fewest chunks for both: a short tail then shares a
 *   chunk instead of paying for its own half-empty one. So each window of two chunks or more is held until the next
 *   one is decided (one window of extra latency: front-end time for a file; shorter windows are never held);
 * - every decision depends only on the audio and the VAD output, never on how the stream was chunked or when the
 *   caller looked (tested), so a resumed job that replays the same stream gets the same windows.
 *
 * Memory: only the PCM of the window being built (≤ maxWindowSec: 64 KiB per second, ~115 MB for 30 min) plus a
 * short look-back is kept.
 */

import { SAMPLE_RATE } from '@common/audio';
import { audioChunksForSamples, chunkFilledWindowSamples, MAX_WINDOW_SEC } from '@common/window-budget';
import { heardSamples, pauseKeepSamples } from './heard';

/** Re-exported for callers that took it from the cutter before common/audio.ts existed. */

export interface CutterConfig {
  maxWindowSec: number;
  /** Shortest window a hard cut may produce. */
  minWindowSec: number;
  /** A hard cut looks for the quietest frame this far back from the max window (at most down to minWindowSec). */
  hardCutSearchSec: number;
  padSec: number;
  maxGapSec: number;
  overlapSec: number;
  /** Audio kept while idle, so that a speech start reported late by the VAD still has its PCM. */
  lookbackSec: number;
  /**
   * Upper bound of the VAD's reporting delay (a region closes only after some silence; a start can be reported
   * retroactively). Decisions wait this long past the point they concern, which makes them independent of chunking.
   */
  vadLagSec: number;
  /**
   * Pauses longer than this reach the model shortened to it (the job's maxPauseSec): windows are then budgeted in
   * heard samples and filled to whole encoder chunks (see above). Absent: budgeted in recorded samples, as cut.
   */
  shortenedPauseSec?: number;
}

export const DEFAULT_CUTTER_CONFIG: Readonly<CutterConfig> = Object.freeze({
  maxWindowSec: 28,
  minWindowSec: 8,
  hardCutSearchSec: 20,
  padSec: 0.25,
  maxGapSec: 3,
  overlapSec: 1.5,
  lookbackSec: 4,
  vadLagSec: 1,
});

/**
 * A 20 ms frame quieter than −50 dBFS (mean square 1e-5) is silence: above a room's noise floor (−60 dBFS in the
 * trained fixture, fixtures/trained-audio.ts) and well below speech, even a quiet talker's (−40 dBFS and up).
 */
export const SILENCE_MEAN_SQUARE = 1e-5;

export interface SpeechRegion {
  startSec: number;
  endSec: number;
}

/** What the VAD knows after a push: regions that closed, and the start of the one still open (if any). */
export interface VadUpdate {
  closed: readonly SpeechRegion[];
  openStartSec: number | null;
}

export interface CutWindow {
  index: number;
  id: string;
  startSample: number;
  endSample: number;
  /** Span of speech inside the window (window minus its silent padding); segment times come from it. */
  speechStartSample: number;
  speechEndSample: number;
  /**
   * The VAD's speech regions inside the window, in order, as [start, end) samples from the start of the stream: the
   * anchors that time the sentences of a long window (main/engine/job/timing.ts).
   */
  speechRegions: [number, number][];
  /** The window begins inside speech, `overlapSamples` before the previous window's end. */
  hardStart: boolean;
  /** The window ends inside speech (cut at the lowest-energy frame). */
  hardEnd: boolean;
  overlapSamples: number;
  pcm: Float32Array;
}

export function windowId(index: number): string {
  return `w${index.toString().padStart(6, '0')}`;
}

export function validateCutterConfig(config: CutterConfig): void {
  const c = config;
  const bad = (why: string): never => {
    throw new RangeError(`invalid window settings: ${why}`);
  };
  if (!(c.maxWindowSec > 1 && c.maxWindowSec <= MAX_WINDOW_SEC))
    bad(`max window must be within 1..${MAX_WINDOW_SEC} s`);
  if (!(c.minWindowSec > 0 && c.minWindowSec < c.maxWindowSec))
    bad('min window must be below the max window');
  if (!(c.hardCutSearchSec > 0)) bad('the hard-cut search span must be > 0');
  if (!(c.padSec >= 0 && c.padSec * 4 < c.maxWindowSec)) bad('pad too large');
  if (!(c.maxGapSec > 2 * c.padSec)) bad('max gap must exceed twice the pad');
  if (!(c.overlapSec >= 0 && c.overlapSec < c.minWindowSec / 2))
    bad('overlap must be below half the min window');
  if (!(c.vadLagSec >= 0)) bad('VAD lag must be ≥ 0');
  if (!(c.lookbackSec >= c.padSec + c.vadLagSec)) bad('look-back must cover the pad and the VAD lag');
  if (c.shortenedPauseSec !== undefined && !(c.shortenedPauseSec > 0)) bad('shortened pauses must be > 0 s');
}

interface Region {
  start: number;
  end: number;
}

interface OpenWindow {
  start: number;
  /** End of the last included region, null while none is included yet. */
  speechEnd: number | null;
  speechStart: number;
  hardStart: boolean;
  overlap: number;
  regions: [number, number][];
  /** Heard samples from the start through the last included region (heard-budget mode). */
  heard: number;
}

/** A window decided but not emitted yet (heard-budget mode holds one back, see the module comment). */
interface ClosedWindow {
  win: OpenWindow;
  end: number;
  speechEnd: number;
  hardEnd: boolean;
  /** Closed because the next region did not fit (not at a long pause or the end): the next window continues it. */
  full: boolean;
}

/** Chunked PCM store addressed by absolute sample index. */
class PcmBuffer {
  private chunks: { start: number; data: Float32Array }[] = [];
  private end = 0;

  get endSample(): number {
    return this.end;
  }

  get startSample(): number {
    return this.chunks[0]?.start ?? this.end;
  }

  append(pcm: Float32Array): void {
    if (pcm.length === 0) return;
    // Copy: decoders reuse their buffers.
    this.chunks.push({ start: this.end, data: pcm.slice() });
    this.end += pcm.length;
  }

  trimBefore(sample: number): void {
    while (this.chunks.length > 0) {
      const first = this.chunks[0]!;
      if (first.start + first.data.length > sample) break;
      this.chunks.shift();
    }
  }

  slice(from: number, to: number): Float32Array {
    const out = new Float32Array(Math.max(0, to - from));
    for (const chunk of this.chunks) {
      const a = Math.max(from, chunk.start);
      const b = Math.min(to, chunk.start + chunk.data.length);
      if (a < b) out.set(chunk.data.subarray(a - chunk.start, b - chunk.start), a - from);
    }
    return out;
  }

  heldSamples(): number {
    return this.end - this.startSample;
  }
}

export class WindowCutter {
  private readonly cfg: CutterConfig;
  private readonly maxLen: number;
  private readonly minLen: number;
  private readonly searchLen: number;
  private readonly pad: number;
  private readonly maxGap: number;
  private readonly overlap: number;
  private readonly lookback: number;
  private readonly lag: number;
  /** Heard-budget mode: samples kept at each side of a shortened pause; null: budget in recorded samples. */
  private readonly keep: number | null;
  /** The most a window may hold: heard samples in heard-budget mode, recorded samples otherwise. */
  private readonly budget: number;
  /**
   * Windows are held for the re-cut: only where it can save a chunk, i.e. a window spans two chunks or more. A short
   * window (a live recording's 10 s) always pays for one chunk, so it goes out as soon as it is decided.
   */
  private readonly holds: boolean;
  private readonly frame = Math.round(SAMPLE_RATE * 0.02);

  private readonly buf = new PcmBuffer();
  private queue: Region[] = [];
  private open: number | null = null;
  private win: OpenWindow | null = null;
  private held: ClosedWindow | null = null;
  /** Samples before this belong to emitted windows (or skipped silence) and are never re-opened. */
  private lastCut = 0;
  private nextIndex = 0;
  private finished = false;

  constructor(config: Partial<CutterConfig> = {}) {
    this.cfg = { ...DEFAULT_CUTTER_CONFIG, ...config };
    validateCutterConfig(this.cfg);
    const s = (sec: number): number => Math.round(sec * SAMPLE_RATE);
    this.maxLen = s(this.cfg.maxWindowSec);
    this.minLen = s(this.cfg.minWindowSec);
    this.searchLen = s(this.cfg.hardCutSearchSec);
    this.pad = s(this.cfg.padSec);
    this.maxGap = s(this.cfg.maxGapSec);
    this.overlap = s(this.cfg.overlapSec);
    this.lookback = s(this.cfg.lookbackSec);
    this.lag = s(this.cfg.vadLagSec);
    const pause = this.cfg.shortenedPauseSec;
    this.keep = pause === undefined ? null : pauseKeepSamples(pause);
    this.budget = pause === undefined ? this.maxLen : chunkFilledWindowSamples(this.cfg.maxWindowSec);
    this.holds = this.keep !== null && audioChunksForSamples(this.budget) >= 2;
  }

  get config(): Readonly<CutterConfig> {
    return this.cfg;
  }

  /** Samples pushed so far. */
  get positionSamples(): number {
    return this.buf.endSample;
  }

  /** PCM samples currently held (for memory tests). */
  get heldSamples(): number {
    return this.buf.heldSamples();
  }

  /**
   * Feed the next PCM chunk and what the VAD reported after seeing it. Returns the windows that are now decided.
   */
  push(pcm: Float32Array, vad: VadUpdate): CutWindow[] {
    if (this.finished) throw new Error('cutter already finished');
    const previousEnd = this.buf.endSample;
    this.buf.append(pcm);
    this.addRegions(vad.closed);
    this.open = vad.openStartSec === null ? null : Math.max(this.lastCut, this.toSample(vad.openStartSec));
    const out = this.decide(false);
    this.trim(previousEnd);
    return out;
  }

  /** End of stream: `closed` holds the regions the VAD's flush reported. */
  finish(closed: readonly SpeechRegion[] = []): CutWindow[] {
    if (this.finished) return [];
    this.addRegions(closed);
    this.open = null;
    const out = this.decide(true);
    if (this.held) out.push(this.emitClosed(this.held));
    this.held = null;
    this.finished = true;
    this.buf.trimBefore(Number.MAX_SAFE_INTEGER);
    return out;
  }

  private toSample(sec: number): number {
    return Math.round(sec * SAMPLE_RATE);
  }

  private addRegions(regions: readonly SpeechRegion[]): void {
    const end = this.buf.endSample;
    for (const r of regions) {
      const start = Math.max(this.lastCut, this.toSample(r.startSec));
      const stop = Math.min(end, this.toSample(r.endSec));
      if (stop <= start) continue;
      const last = this.queue.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, stop);
      else this.queue.push({ start, end: stop });
    }
  }

  private trim(previousEnd: number): void {
    const keepFrom =
      this.held?.win.start ??
      (this.win ? this.win.start : Math.max(this.lastCut, previousEnd - this.lookback));
    this.buf.trimBefore(keepFrom);
  }

  private decide(final: boolean): CutWindow[] {
    const out: CutWindow[] = [];
    const frontier = this.buf.endSample;
    for (;;) {
      if (!this.win) {
        const headStart = this.queue[0]?.start ?? this.open;
        if (headStart === null || headStart === undefined) break;
        const start = Math.max(headStart - this.pad, this.lastCut, this.buf.startSample);
        this.win = {
          start,
          speechEnd: null,
          speechStart: Math.max(headStart, start),
          hardStart: false,
          overlap: 0,
          regions: [],
          heard: 0,
        };
      }
      const win = this.win;
      const head = this.queue[0];
      if (head) {
        if (win.speechEnd !== null && head.start - win.speechEnd > this.maxGap) {
          out.push(...this.closeSoft(head.start, false));
          continue;
        }
        // the pad after the region is reserved: a soft cut ends up to `pad` after the speech
        const length = this.lengthWith(win, head.start, head.end);
        if (length <= this.budget - this.pad) {
          win.heard = length;
          win.speechEnd = head.end;
          win.regions.push([Math.max(head.start, win.start), head.end]);
          this.queue.shift();
          continue;
        }
        if (win.speechEnd !== null) {
          out.push(...this.closeSoft(head.start, true));
          continue;
        }
        out.push(...this.cutHard());
        continue;
      }
      if (this.open !== null) {
        if (win.speechEnd !== null && this.open - win.speechEnd > this.maxGap) {
          out.push(...this.closeSoft(this.open, false));
          continue;
        }
        if (this.lengthWith(win, this.open, frontier - this.lag) > this.budget) {
          if (win.speechEnd !== null) out.push(...this.closeSoft(this.open, true));
          else out.push(...this.cutHard());
          continue;
        }
        break;
      }
      // Silence since the last region up to the frontier.
      if (win.speechEnd === null) {
        // Cannot happen with a consistent VAD (an open region always closes into the queue); drop the empty window.
        this.win = null;
        break;
      }
      // Known silence: no speech can start before frontier - lag without having been reported by now.
      const known = final ? frontier : frontier - this.lag;
      const silence = known - win.speechEnd;
      if (final || silence > this.maxGap) {
        out.push(...this.closeSoft(final ? Math.min(frontier, win.speechEnd + 2 * this.pad) : known, false));
        continue;
      }
      // No region starting after `known` could fit any more: with ≥ 2·pad of known silence the cut is the same as
      // if the next region's start were known.
      if (this.lengthWith(win, known, known) > this.budget - this.pad && silence >= 2 * this.pad) {
        out.push(...this.closeSoft(known, true));
        continue;
      }
      break;
    }
    return out;
  }

  /**
   * The window's length if it took the speech [a, b) next (without what follows it): recorded samples from its
   * start, or in heard-budget mode heard samples, the pause before the speech shortened as the model will hear it.
   */
  private lengthWith(win: OpenWindow, a: number, b: number): number {
    if (this.keep === null) return b - win.start;
    const from = win.speechEnd ?? win.start;
    const pause = Math.min(Math.max(0, a - from), win.speechEnd === null ? this.keep : 2 * this.keep);
    return win.heard + pause + Math.max(0, b - Math.max(a, from));
  }

  /**
   * Close the window in the silence after its last region; `nextSpeech` is where speech resumes (or a bound).
   * `full`: closed because the next speech did not fit, so the next window continues the same stretch of speech.
   */
  private closeSoft(nextSpeech: number, full: boolean): CutWindow[] {
    const win = this.win!;
    const speechEnd = win.speechEnd!;
    const cut = speechEnd + Math.min(this.pad, Math.floor((nextSpeech - speechEnd) / 2));
    this.win = null;
    this.lastCut = cut;
    return this.settle({ win, end: cut, speechEnd, hardEnd: false, full });
  }

  /**
   * The window holds one region longer than the bound: cut inside it at the quietest frame of the search span. When
   * that frame is silence (below SILENCE_MEAN_SQUARE: a pause between words or sentences the VAD kept in one region,
   * or the silence after it) the window's speech ends where that pause began, before the cut: that is how a record
   * tells a cut in silence from one in the middle of speech (main/engine/job/assemble.ts). Cutting in the longest
   * pause of the span instead cost words on the trained fixture's 10 s live windows (whole-transcript WER 11.4 →
   * 13.4 %), so the cut itself is unchanged.
   */
  private cutHard(): CutWindow[] {
    const win = this.win!;
    const lo = win.start + Math.max(this.minLen, this.maxLen - this.searchLen);
    const hi = win.start + Math.min(this.maxLen, this.budget);
    const pcm = this.buf.slice(lo, hi);
    let best = hi;
    let bestEnergy = Number.POSITIVE_INFINITY;
    /** Where the pause holding the best frame began; null: the best frame is not silence. */
    let pauseStart: number | null = null;
    let runStart: number | null = null;
    for (let off = 0; off + this.frame <= pcm.length; off += this.frame) {
      let e = 0;
      for (let i = off; i < off + this.frame; i++) e += pcm[i]! * pcm[i]!;
      const quiet = e / this.frame < SILENCE_MEAN_SQUARE;
      runStart = quiet ? (runStart ?? lo + off) : null;
      // `<=`: among equally quiet frames take the latest, for longer windows.
      if (e <= bestEnergy) {
        bestEnergy = e;
        best = lo + off + (this.frame >> 1);
        pauseStart = runStart;
      }
    }
    const cut = best;
    // Not the VAD's region end: whether it is known yet depends on how the stream was chunked.
    const speechEnd = Math.max(win.speechStart, pauseStart ?? cut);
    // Only a window holding no whole region is cut hard: its speech is the one region it was cut from.
    win.regions = [[win.speechStart, speechEnd]];
    const emitted = this.settle({ win, end: cut, speechEnd, hardEnd: true, full: true });
    const nextStart = cut - this.overlap;
    this.lastCut = cut;
    this.win = {
      start: nextStart,
      speechEnd: null,
      speechStart: nextStart,
      hardStart: true,
      overlap: this.overlap,
      regions: [],
      heard: 0,
    };
    // Regions (or the open one) now start at the new window at the earliest.
    const head = this.queue[0];
    if (head && head.start < nextStart) head.start = nextStart;
    if (this.open !== null && this.open < nextStart) this.open = nextStart;
    return emitted;
  }

  /**
   * What a decided window releases. Recorded-budget mode: the window itself. Heard-budget mode: the window held
   * before it (re-cut with this one when this one ends a stretch of speech), and this one unless it ends a stretch.
   */
  private settle(closed: ClosedWindow): CutWindow[] {
    if (!this.holds) return [this.emitClosed(closed)];
    const held = this.held;
    this.held = closed.full ? closed : null;
    if (!held) return closed.full ? [] : [this.emitClosed(closed)];
    if (!closed.full && held.full && !held.hardEnd && !closed.win.hardStart && this.continues(held, closed)) {
      const [a, b] = this.recut(held, closed);
      return [this.emitClosed(a), this.emitClosed(b)];
    }
    return closed.full ? [this.emitClosed(held)] : [this.emitClosed(held), this.emitClosed(closed)];
  }

  /** The second window's speech follows the first's within `maxGap` (a window closed full may be followed by a long pause). */
  private continues(a: ClosedWindow, b: ClosedWindow): boolean {
    const aEnd = a.win.regions.at(-1)?.[1];
    const bStart = b.win.regions[0]?.[0];
    return aEnd !== undefined && bStart !== undefined && bStart - aEnd <= this.maxGap;
  }

  /**
   * The last two windows of a stretch of speech, cut again at the pause between two of their regions where both
   * need the fewest encoder chunks (each within the budget); among equals the cut as it was, else the latest.
   */
  private recut(a: ClosedWindow, b: ClosedWindow): [ClosedWindow, ClosedWindow] {
    const keep = this.keep!;
    const regions = [...a.win.regions, ...b.win.regions];
    const chunks = (heard: number): number => audioChunksForSamples(heard);
    const split = (k: number): { cost: number; a: ClosedWindow; b: ClosedWindow } | null => {
      const left = regions.slice(0, k);
      const right = regions.slice(k);
      const lastEnd = left.at(-1)![1];
      const nextStart = right[0]![0];
      const end = lastEnd + Math.min(this.pad, Math.floor((nextStart - lastEnd) / 2));
      const start = Math.max(nextStart - this.pad, end);
      const heardA = heardSamples(a.win.start, end, left, keep);
      const heardB = heardSamples(start, b.end, right, keep);
      if (heardA > this.budget || heardB > this.budget) return null;
      return {
        cost: chunks(heardA) + chunks(heardB),
        a: { ...a, win: { ...a.win, regions: left, heard: heardA }, end, speechEnd: lastEnd },
        b: {
          ...b,
          win: { ...b.win, start, speechStart: nextStart, regions: right, heard: heardB },
        },
      };
    };
    const asCut = a.win.regions.length;
    let best = split(asCut);
    for (let k = regions.length - 1; k >= 1; k--) {
      const s = split(k);
      if (s && (!best || s.cost < best.cost)) best = s;
    }
    return best ? [best.a, best.b] : [a, b];
  }

  private emitClosed(c: ClosedWindow): CutWindow {
    return this.emit(c.win, c.end, c.speechEnd, c.hardEnd);
  }

  private emit(win: OpenWindow, end: number, speechEnd: number, hardEnd: boolean): CutWindow {
    const index = this.nextIndex++;
    return {
      index,
      id: windowId(index),
      startSample: win.start,
      endSample: end,
      speechStartSample: win.speechStart,
      speechEndSample: Math.max(win.speechStart, speechEnd),
      hardStart: win.hardStart,
      hardEnd,
      overlapSamples: win.hardStart ? win.overlap : 0,
      speechRegions: win.regions.filter(([a, b]) => b > a),
      pcm: this.buf.slice(win.start, end),
    };
  }
}
