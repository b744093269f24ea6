/**
 * Times the sentences of a window's text. The model gives no timestamps, and a long window's text is minutes of
 * speech, so a window-wide segment is useless for subtitles and click-to-seek. What is known for sure is where the
 * VAD heard speech inside the window; sentences mostly begin after a pause, and a sentence lasts roughly in
 * proportion to its length. So sentences are aligned to the speech regions by dynamic programming: each block of
 * consecutive sentences is laid on a run of consecutive regions whose speech time matches its share of the text
 * (Gaussian cost on the difference, relative and absolute tolerance), with a cost for a sentence boundary that falls
 * inside a region (no pause heard) and for a region boundary inside a sentence (a pause mid-sentence), and a cost
 * for a region left without text (a cough, speech the model skipped). Inside a block, sentences share its speech
 * time by length. Pure and deterministic: the same text and regions always give the same times (resume depends on it).
 *
 * Measured against the synthetic meeting's known sentence times: main/engine/job/README.md ("Timestamps").
 */

export interface TimeSpan {
  startSec: number;
  endSec: number;
}

export interface TimedPiece extends TimeSpan {
  text: string;
}

/**
 * `anchored`: the alignment above (the product's). `speech`: sentences share the concatenated speech time by length
 * (no anchoring). `span`: they share the whole span from first to last speech, silences included. The last two are
 * the baselines the measurement compares with.
 */
export type TimingMethod = 'anchored' | 'speech' | 'span';

export interface TimingOptions {
  method?: TimingMethod;
}

/** A piece longer than this many words is split evenly (a subtitle line, not a paragraph). */
export const MAX_PIECE_WORDS = 40;
/** A text without punctuation is cut at pauses, into pieces of at least this many words where the pauses allow. */
export const MIN_PAUSE_PIECE_WORDS = 8;

const TERMINAL = /(?<=[.!?…]["'”’)\]]*)\s+|(?<=[。！？])\s*/u;
const ENDS_SENTENCE = /[.!?…。！？]["'”’)\]]*$/u;

/** Sentences of a text: split after terminal punctuation; unpunctuated runs are cut into ≤ maxWords pieces. */
export function splitSentences(text: string, maxWords = MAX_PIECE_WORDS): string[] {
  const out: string[] = [];
  for (const raw of text.split(TERMINAL)) {
    const words = raw.split(/\s+/u).filter((w) => w.length > 0);
    if (words.length === 0) continue;
    const pieces = Math.ceil(words.length / maxWords);
    const per = Math.ceil(words.length / pieces);
    for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(' '));
  }
  return out;
}

/** Spoken length of a sentence in arbitrary units: letters, and digits as the words they are read as. */
export function sentenceWeight(sentence: string): number {
  let w = 0;
  for (const ch of sentence) {
    if (/\p{N}/u.test(ch)) w += 3;
    else if (/\p{L}/u.test(ch)) w += 1;
  }
  return Math.max(1, w);
}

/** Relative and absolute tolerance of a block's speech time around its share of the text. */
const REL_SIGMA = 0.15;
const ABS_SIGMA_SEC = 0.5;
/** A sentence boundary with no pause heard at it. */
const SENTENCE_INSIDE_REGION = 2;
/** A pause heard inside a sentence, plus per second of it: long silences fall between sentences. */
const REGION_INSIDE_SENTENCE = 0.5;
const PAUSE_INSIDE_PER_SEC = 2;
/** A region with no text: a fixed cost plus per second of unexplained speech. */
const SKIP_REGION = 2.5;
const SKIP_REGION_PER_SEC = 0.1;
/** Longest run of sentences / regions one block may hold (bounds the search; beyond it the fallback applies). */
const MAX_BLOCK_SENTENCES = 16;
const MAX_BLOCK_REGIONS = 4096;

/** Regions sorted, clipped to positive length and merged where they touch. */
function normalise(regions: readonly TimeSpan[]): TimeSpan[] {
  const sorted = regions
    .filter((r) => r.endSec > r.startSec)
    .map((r) => ({ startSec: r.startSec, endSec: r.endSec }))
    .sort((a, b) => a.startSec - b.startSec);
  const out: TimeSpan[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.startSec <= last.endSec) last.endSec = Math.max(last.endSec, r.endSec);
    else out.push(r);
  }
  return out;
}

/** Speech-time axis over regions: offset (seconds of speech) ↔ clock time. */
class SpeechAxis {
  readonly before: number[];
  /** Silence seconds between the first region and region j. */
  readonly pausesBefore: number[];
  readonly total: number;

  constructor(readonly regions: readonly TimeSpan[]) {
    this.before = [0];
    this.pausesBefore = [0];
    regions.forEach((r, j) => {
      this.before.push(this.before.at(-1)! + (r.endSec - r.startSec));
      const next = regions[j + 1];
      if (next) this.pausesBefore.push(this.pausesBefore.at(-1)! + (next.startSec - r.endSec));
    });
    this.total = this.before.at(-1)!;
  }

  /** Speech offset of a clock time (a time in a pause maps to the start of the region after it). */
  offset(sec: number): number {
    const rs = this.regions;
    for (let j = 0; j < rs.length; j++) {
      if (sec < rs[j]!.startSec) return this.before[j]!;
      if (sec <= rs[j]!.endSec) return this.before[j]! + (sec - rs[j]!.startSec);
    }
    return this.total;
  }

  /** Index of the region holding a speech offset (the later one at a boundary). */
  regionAt(offset: number): number {
    let j = 0;
    while (j < this.regions.length - 1 && offset >= this.before[j + 1]!) j++;
    return j;
  }

  /** Clock time of a speech offset; at a region boundary, `start` picks the next region's start, else the end. */
  clock(offset: number, side: 'start' | 'end'): number {
    const rs = this.regions;
    for (let j = 0; j < rs.length; j++) {
      const a = this.before[j]!;
      const b = this.before[j + 1]!;
      const inside = side === 'start' ? offset < b || j === rs.length - 1 : offset <= b;
      if (inside && (side === 'end' || offset >= a)) return rs[j]!.startSec + Math.max(0, offset - a);
    }
    return rs.at(-1)!.endSec;
  }
}

interface Block {
  /** Sentences [i0, i1) on regions [j0, j1); i0 === i1 for a region without text. */
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

function cumulative(xs: readonly number[]): number[] {
  const out = [0];
  for (const x of xs) out.push(out.at(-1)! + x);
  return out;
}

/** The cheapest sequence of blocks covering every sentence and region, or null when none fits the bounds. */
/**
 * `open[i]`: unit i ends without terminal punctuation (a run the model wrote without any): pauses inside it are
 * expected, so a block holding one pays nothing for them.
 */
function align(weights: readonly number[], open: readonly boolean[], axis: SpeechAxis): Block[] | null {
  const n = weights.length;
  const m = axis.regions.length;
  const W = cumulative(weights);
  const S = axis.before;
  const P = axis.pausesBefore;
  const rate = axis.total / W[n]!;
  const cost = new Float64Array((n + 1) * (m + 1)).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array((n + 1) * (m + 1)).fill(-1);
  const at = (i: number, j: number): number => i * (m + 1) + j;
  cost[at(0, 0)] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const c0 = cost[at(i, j)]!;
      if (!Number.isFinite(c0)) continue;
      if (j < m) {
        // Region j without text.
        const c = c0 + SKIP_REGION + SKIP_REGION_PER_SEC * (S[j + 1]! - S[j]!);
        if (c < cost[at(i, j + 1)]!) {
          cost[at(i, j + 1)] = c;
          from[at(i, j + 1)] = at(i, j);
        }
      }
      for (let i1 = i + 1; i1 <= Math.min(n, i + MAX_BLOCK_SENTENCES); i1++) {
        const expected = (W[i1]! - W[i]!) * rate;
        const variance = (REL_SIGMA * expected) ** 2 + ABS_SIGMA_SEC ** 2;
        const inner = SENTENCE_INSIDE_REGION * (i1 - i - 1);
        const anyOpen = open.slice(i, i1).some(Boolean);
        for (let j1 = j + 1; j1 <= Math.min(m, j + MAX_BLOCK_REGIONS); j1++) {
          const actual = S[j1]! - S[j]!;
          // more regions only add speech: past six standard deviations no longer block can be the cheapest
          if (actual > expected + 6 * Math.sqrt(variance)) break;
          const pauses = anyOpen
            ? 0
            : REGION_INSIDE_SENTENCE * (j1 - j - 1) + PAUSE_INSIDE_PER_SEC * (P[j1 - 1]! - P[j]!);
          const c = c0 + (actual - expected) ** 2 / (2 * variance) + inner + pauses;
          if (c < cost[at(i1, j1)]!) {
            cost[at(i1, j1)] = c;
            from[at(i1, j1)] = at(i, j);
          }
        }
      }
    }
  }
  if (!Number.isFinite(cost[at(n, m)]!)) return null;
  const blocks: Block[] = [];
  for (let k = at(n, m); k !== at(0, 0);) {
    const prev = from[k]!;
    blocks.push({
      i0: Math.floor(prev / (m + 1)),
      j0: prev % (m + 1),
      i1: Math.floor(k / (m + 1)),
      j1: k % (m + 1),
    });
    k = prev;
  }
  return blocks.reverse();
}

/** Sentences [i0, i1) share the speech between offsets lo and hi by weight. */
function spread(
  sentences: readonly string[],
  W: readonly number[],
  block: Pick<Block, 'i0' | 'i1'>,
  lo: number,
  hi: number,
  axis: SpeechAxis,
  out: TimedPiece[],
): void {
  const total = W[block.i1]! - W[block.i0]!;
  const offset = (k: number): number => lo + ((W[k]! - W[block.i0]!) / total) * (hi - lo);
  for (let k = block.i0; k < block.i1; k++) {
    const startSec = axis.clock(offset(k), 'start');
    const endSec = Math.max(startSec, axis.clock(offset(k + 1), 'end'));
    out.push({ text: sentences[k]!, startSec, endSec });
  }
}

/**
 * Clock times for `sentences` (in spoken order) over the speech `regions` of their window. With no regions there is
 * nothing to time them by: an empty result for an empty text, else a RangeError.
 */
export function timeSentences(
  sentences: readonly string[],
  regions: readonly TimeSpan[],
  options: TimingOptions = {},
): TimedPiece[] {
  if (sentences.length === 0) return [];
  let rs = normalise(regions);
  if (rs.length === 0) throw new RangeError('sentences need at least one speech region to be timed');
  const method = options.method ?? 'anchored';
  if (method === 'span') rs = [{ startSec: rs[0]!.startSec, endSec: rs.at(-1)!.endSec }];
  const axis = new SpeechAxis(rs);
  // a run without punctuation (cut by splitSentences at a word count, wherever that fell) is aligned as one unit
  const units = joinRuns(sentences);
  const weights = units.map(sentenceWeight);
  const W = cumulative(weights);
  const out: TimedPiece[] = [];
  const open = units.map((u) => !ENDS_SENTENCE.test(u));
  const blocks = method === 'anchored' ? align(weights, open, axis) : null;
  if (!blocks) spread(units, W, { i0: 0, i1: units.length }, 0, axis.total, axis, out);
  else {
    for (const b of blocks) {
      if (b.i1 > b.i0) spread(units, W, b, axis.before[b.j0]!, axis.before[b.j1]!, axis, out);
    }
  }
  return out.flatMap((piece) =>
    piece.text.split(' ').length > MAX_PIECE_WORDS ? cutAtPauses(piece, axis) : [piece],
  );
}

/** Consecutive pieces joined until one ends a sentence. */
function joinRuns(sentences: readonly string[]): string[] {
  const out: string[] = [];
  let open = false;
  for (const s of sentences) {
    if (open) out[out.length - 1] += ` ${s}`;
    else out.push(s);
    open = !ENDS_SENTENCE.test(s);
  }
  return out;
}

/**
 * A piece longer than MAX_PIECE_WORDS (a run without punctuation) cut at the pauses inside its time: its words share
 * its speech by length, and a piece ends at a pause once it has MIN_PAUSE_PIECE_WORDS words, or at MAX_PIECE_WORDS
 * words where no pause came.
 */
function cutAtPauses(piece: TimedPiece, axis: SpeechAxis): TimedPiece[] {
  const words = piece.text.split(' ');
  const W = cumulative(words.map(sentenceWeight));
  const lo = axis.offset(piece.startSec);
  const hi = Math.max(lo, axis.offset(piece.endSec));
  const at = (i: number): number => lo + (W[i]! / W[words.length]!) * (hi - lo);
  // by the word's middle: a word starting exactly at a region boundary must not round into the region before it
  const region = (i: number): number => axis.regionAt((at(i) + at(i + 1)) / 2);
  const cuts = [0];
  for (let i = 1; i < words.length; i++) {
    const start = cuts.at(-1)!;
    const pause = region(i) !== region(i - 1);
    if ((pause && i - start >= MIN_PAUSE_PIECE_WORDS) || i - start >= MAX_PIECE_WORDS) cuts.push(i);
  }
  cuts.push(words.length);
  const out: TimedPiece[] = [];
  for (let c = 0; c + 1 < cuts.length; c++) {
    const a = cuts[c]!;
    const b = cuts[c + 1]!;
    // a piece starting after a pause starts where its region starts, and one ending at a pause ends where its region
    // ends (its last word's share can reach past the pause: the piece after it would start before it ended)
    const startSec =
      a > 0 && region(a) !== region(a - 1) ? axis.regions[region(a)]!.startSec : axis.clock(at(a), 'start');
    const end =
      b < words.length && region(b) !== region(b - 1)
        ? axis.regions[region(b - 1)]!.endSec
        : axis.clock(at(b), 'end');
    const endSec = Math.max(startSec, end);
    out.push({ text: words.slice(a, b).join(' '), startSec, endSec });
  }
  return out;
}
