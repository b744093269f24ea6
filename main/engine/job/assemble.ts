/**
 * From checkpointed window records to a transcript: segment times come from the window/VAD timing (the model gives
 * none), and the text of windows joined by a hard cut is stitched so the overlap's words appear once. A window
 * longer than LONG_WINDOW_SEC becomes one segment per sentence, timed against its speech regions (`timing.ts`);
 * shorter windows stay one segment each. Pure: the same records always give the same transcript, which is what
 * makes a resumed job byte-identical to an uninterrupted one.
 */
import {
  suspectFlags,
  type Segment,
  type SegmentFlag,
  type Transcript,
  type TranscriptMeta,
} from '@common/transcript';
import type { WindowRecord } from '../checkpoints/store';
import { MTMD_CHUNK_SEC, SAMPLE_RATE } from '@common/audio';
import { overlapWordBound, stitchSeam } from '../scheduler/stitch';
import { splitSentences, timeSentences, type TimeSpan } from './timing';

/**
 * Windows whose speech spans more than this are split into timed sentences: one encoder chunk's worth of text is
 * what a subtitle-sized segment of the short-window pipeline already was.
 */
export const LONG_WINDOW_SEC = MTMD_CHUNK_SEC;

interface Placed {
  record: WindowRecord;
  text: string;
  startSample: number;
  endSample: number;
  /** The window begins / ends at a cut inside speech (its 'hard_cut' flag). */
  cutInSpeechStart: boolean;
  cutInSpeechEnd: boolean;
}

/**
 * A hard end cut lands in speech unless the window's speech regions stop before it: the cutter ends them where the
 * silence it cut in began (scheduler/cutter.ts cutHard). Logs without regions count every hard cut.
 */
function endsInSpeech(r: WindowRecord): boolean {
  if (!r.hardEnd) return false;
  const lastEnd = r.speechRegions?.at(-1)?.[1];
  return lastEnd === undefined || lastEnd >= r.endSample;
}

/** The window's speech regions inside [from, to), in seconds; the whole span when the record has none. */
function regionsOf(r: WindowRecord, from: number, to: number): TimeSpan[] {
  const spans = (r.speechRegions ?? [[from, to]])
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as const)
    .filter(([a, b]) => b > a);
  const use = spans.length > 0 ? spans : [[from, Math.max(from, to)] as const];
  return use.map(([a, b]) => ({ startSec: a / SAMPLE_RATE, endSec: b / SAMPLE_RATE }));
}

function windowSegments(p: Placed): Segment[] {
  const r = p.record;
  // Key order as before sentences were timed, so a transcript's JSON is unchanged for short windows.
  const segment = (id: string, startSec: number, endSec: number, text: string, hardCut: boolean): Segment => {
    const s: Segment = { id, startSec, endSec, text, windowId: r.windowId };
    // A log written before clean retries stopped being flags may still say 'retried': the attempts carry it now.
    const kept = suspectFlags(r.flags);
    const flags: SegmentFlag[] = hardCut ? [...kept, 'hard_cut'] : kept;
    if (flags.length > 0) s.flags = flags;
    if (r.attempts > 1) s.attempts = r.attempts;
    if (r.language) s.language = r.language;
    return s;
  };
  const spanSec = (p.endSample - p.startSample) / SAMPLE_RATE;
  const sentences = spanSec > LONG_WINDOW_SEC ? splitSentences(p.text) : [];
  if (sentences.length <= 1) {
    const endSample = Math.max(p.startSample, p.endSample);
    return [
      segment(
        `s${r.index}`,
        p.startSample / SAMPLE_RATE,
        endSample / SAMPLE_RATE,
        p.text,
        p.cutInSpeechStart || p.cutInSpeechEnd,
      ),
    ];
  }
  const pieces = timeSentences(sentences, regionsOf(r, p.startSample, p.endSample));
  // `.k` like the editor's split ids: the window's first sentence keeps the window's id.
  return pieces.map((piece, k) =>
    segment(
      k === 0 ? `s${r.index}` : `s${r.index}.${k}`,
      piece.startSec,
      piece.endSec,
      piece.text,
      (p.cutInSpeechStart && k === 0) || (p.cutInSpeechEnd && k === pieces.length - 1),
    ),
  );
}

export function assembleTranscript(records: readonly WindowRecord[], meta: TranscriptMeta): Transcript {
  const ordered = [...records].sort((a, b) => a.index - b.index);
  const placed: Placed[] = [];
  for (const r of ordered) {
    let text = r.text.replace(/\s+/gu, ' ').trim();
    const prev = placed.at(-1);
    const seam =
      r.hardStart && prev && prev.record.hardEnd && prev.record.index === r.index - 1 ? prev : null;
    if (seam) {
      const joined = stitchSeam(seam.text, text, overlapWordBound(r.overlapSamples / SAMPLE_RATE));
      seam.text = joined.left;
      text = joined.right;
    }
    placed.push({
      record: r,
      text,
      startSample: r.hardStart ? r.startSample + r.overlapSamples : r.speechStartSample,
      endSample: r.hardEnd ? r.endSample : r.speechEndSample,
      // The start cut is the previous window's end cut; without that window (a gap in the log) assume speech.
      cutInSpeechStart: r.hardStart && (seam ? seam.cutInSpeechEnd : true),
      cutInSpeechEnd: endsInSpeech(r),
    });
  }
  const segments = placed.filter((p) => p.text.length > 0).flatMap(windowSegments);
  return { version: 1, meta, segments };
}
