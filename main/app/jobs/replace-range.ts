/**
 * What a finished re-transcription does to its transcript (pure): the segments that overlap the range give way to
 * the fresh ones, in place; everything outside the range — text, edits, speakers, ids — stays exactly as it was.
 */
import type { TimeRange } from '@common/library-schema';
import type { Segment } from '@common/transcript';

/** A segment overlaps the range when some of its time lies inside; a zero-length one when it sits inside. */
export function overlapsRange(s: Segment, range: TimeRange): boolean {
  if (s.endSec <= s.startSec) return s.startSec >= range.startSec && s.startSec < range.endSec;
  return s.startSec < range.endSec && s.endSec > range.startSec;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/** The one speaker all replaced segments had, if they agreed: the fresh text keeps the label the user gave. */
function sharedSpeaker(replaced: readonly Segment[]): string | undefined {
  const speakers = new Set(replaced.map((s) => s.speaker));
  const [only] = speakers;
  return speakers.size === 1 ? only : undefined;
}

export interface ReplaceRangeInput {
  /** The transcript as saved now (edits included), in its order. */
  current: readonly Segment[];
  /** The re-transcription's segments, times already the recording's. */
  fresh: readonly Segment[];
  range: TimeRange;
  /** Appended to fresh segment ids (`s3` → `s3-<suffix>`): ids stay unique in the transcript. */
  idSuffix: string;
}

export interface ReplaceRangeResult {
  segments: Segment[];
  removed: number;
  added: number;
}

export function replaceRange({ current, fresh, range, idSuffix }: ReplaceRangeInput): ReplaceRangeResult {
  const kept: Segment[] = [];
  const replaced: Segment[] = [];
  // Where the fresh segments go: the place of the first one replaced, else before the first one after the range.
  let insertAt = -1;
  for (const s of current) {
    if (overlapsRange(s, range)) {
      if (insertAt < 0) insertAt = kept.length;
      replaced.push(s);
    } else {
      if (insertAt < 0 && s.startSec >= range.endSec) insertAt = kept.length;
      kept.push(s);
    }
  }
  if (insertAt < 0) insertAt = kept.length;

  const taken = new Set(kept.map((s) => s.id));
  const speaker = sharedSpeaker(replaced);
  const added = [...fresh]
    .filter((s) => s.text.trim().length > 0)
    .sort((a, b) => a.startSec - b.startSec)
    .map((s): Segment => {
      // The decode covered only the range; rounding must not push a time outside it.
      const startSec = Math.min(Math.max(s.startSec, range.startSec), range.endSec);
      const endSec = Math.min(Math.max(s.endSec, startSec), range.endSec);
      const out: Segment = { ...s, id: uniqueId(`${s.id}-${idSuffix}`, taken), startSec, endSec };
      if (speaker !== undefined) out.speaker = speaker;
      return out;
    });

  return {
    segments: [...kept.slice(0, insertAt), ...added, ...kept.slice(insertAt)],
    removed: replaced.length,
    added: added.length,
  };
}
