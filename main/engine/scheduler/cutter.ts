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
 * - a single speech region longer than that is cut at the lowest-energy 20 ms frame in the last `hardCutSearchSec`
 *   before `maxWindowSec` (never before `minWindowSec`; a "hard" cut), so long windows stay near their length; the
 *   next window then starts `overlapSec` earlier so that the stitcher can match the words heard twice;
 * - every decision depends only on the audio and the VAD output, never on how the stream was chunked or when the
 *   caller looked (tested), so a resumed job that replays the same stream gets the same windows.
 *
 * Memory: only the PCM of the window being built (≤ maxWindowSec: 64 KiB per second, ~115 MB for 30 min) plus a
 * short look-back is kept.
 */

import { SAMPLE_RATE } from '@common/audio';
import { MAX_WINDOW_SEC } from '@common/window-budget';

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
  private readonly frame = Math.round(SAMPLE_RATE * 0.02);

  private readonly buf = new PcmBuffer();
  private queue: Region[] = [];
  private open: number | null = null;
  private win: OpenWindow | null = null;
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
    const keepFrom = this.win ? this.win.start : Math.max(this.lastCut, previousEnd - this.lookback);
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
        };
      }
      const win = this.win;
      const head = this.queue[0];
      if (head) {
        if (win.speechEnd !== null && head.start - win.speechEnd > this.maxGap) {
          out.push(this.closeSoft(head.start));
          continue;
        }
        if (head.end - win.start <= this.maxLen - this.pad) {
          win.speechEnd = head.end;
          win.regions.push([Math.max(head.start, win.start), head.end]);
          this.queue.shift();
          continue;
        }
        if (win.speechEnd !== null) {
          out.push(this.closeSoft(head.start));
          continue;
        }
        out.push(this.cutHard());
        continue;
      }
      if (this.open !== null) {
        if (win.speechEnd !== null && this.open - win.speechEnd > this.maxGap) {
          out.push(this.closeSoft(this.open));
          continue;
        }
        if (frontier - this.lag > win.start + this.maxLen) {
          if (win.speechEnd !== null) out.push(this.closeSoft(this.open));
          else out.push(this.cutHard());
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
      if (
        final ||
        silence > this.maxGap ||
        (known > win.start + this.maxLen - this.pad && silence >= 2 * this.pad)
      ) {
        // With ≥ 2·pad of known silence the cut is the same as if the next region's start were known.
        out.push(this.closeSoft(final ? Math.min(frontier, win.speechEnd + 2 * this.pad) : known));
        continue;
      }
      break;
    }
    return out;
  }

  /** Close the window in the silence after its last region; `nextSpeech` is where speech resumes (or a bound). */
  private closeSoft(nextSpeech: number): CutWindow {
    const win = this.win!;
    const speechEnd = win.speechEnd!;
    const cut = speechEnd + Math.min(this.pad, Math.floor((nextSpeech - speechEnd) / 2));
    this.win = null;
    this.lastCut = cut;
    return this.emit(win, cut, speechEnd, false);
  }

  /** The window holds one region longer than the bound: cut inside it at the quietest frame. */
  private cutHard(): CutWindow {
    const win = this.win!;
    const lo = win.start + Math.max(this.minLen, this.maxLen - this.searchLen);
    const hi = win.start + this.maxLen;
    const pcm = this.buf.slice(lo, hi);
    let best = hi;
    let bestEnergy = Number.POSITIVE_INFINITY;
    for (let off = 0; off + this.frame <= pcm.length; off += this.frame) {
      let e = 0;
      for (let i = off; i < off + this.frame; i++) e += pcm[i]! * pcm[i]!;
      // `<=`: among equally quiet frames take the latest, for longer windows.
      if (e <= bestEnergy) {
        bestEnergy = e;
        best = lo + off + (this.frame >> 1);
      }
    }
    const cut = best;
    // Only a window holding no whole region is cut hard: its speech is the one region it was cut from.
    win.regions = [[win.speechStart, cut]];
    const emitted = this.emit(win, cut, cut, true);
    const nextStart = cut - this.overlap;
    this.lastCut = cut;
    this.win = {
      start: nextStart,
      speechEnd: null,
      speechStart: nextStart,
      hardStart: true,
      overlap: this.overlap,
      regions: [],
    };
    // Regions (or the open one) now start at the new window at the earliest.
    const head = this.queue[0];
    if (head && head.start < nextStart) head.start = nextStart;
    if (this.open !== null && this.open < nextStart) this.open = nextStart;
    return emitted;
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
