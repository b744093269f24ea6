/**
 * A job over part of a recording (a re-transcription of a selected range). The file source decodes only the range,
 * so the front end, the cutter and the checkpoint log all count from the range's start; what leaves the job (window
 * events, the transcript) is moved back to the recording's own clock here. The range is part of the job's settings,
 * so a resume with another range is refused instead of mixing windows cut from two different stretches of audio.
 */
import type { Segment, Transcript } from '@common/transcript';

export interface AudioRange {
  /** Seconds from the start of the recording. */
  startSec: number;
  endSec: number;
}

/** What the manifest records (absent for a whole-file job, so the manifests of those are unchanged). */
export function rangeSettings(range: AudioRange | undefined): Record<string, unknown> {
  return range ? { range: { startSec: range.startSec, endSec: range.endSec } } : {};
}

/** The decoder's options for the range: a seek and a length. */
export function decodeWindow(range: AudioRange | undefined): { startSec?: number; durationSec?: number } {
  return range ? { startSec: range.startSec, durationSec: range.endSec - range.startSec } : {};
}

/** The audio the job covers: the range, cut short by the end of the file (null = the file does not say). */
export function rangedDurationSec(
  fileDurationSec: number | null,
  range: AudioRange | undefined,
): number | null {
  if (!range) return fileDurationSec;
  const end = fileDurationSec === null ? range.endSec : Math.min(range.endSec, fileDurationSec);
  return Math.max(0, end - range.startSec);
}

function shiftSegment(s: Segment, offsetSec: number): Segment {
  return { ...s, startSec: s.startSec + offsetSec, endSec: s.endSec + offsetSec };
}

/** Every time of the transcript, moved from the range's clock to the recording's. */
export function shiftTranscript(t: Transcript, offsetSec: number): Transcript {
  if (offsetSec === 0) return t;
  return { ...t, segments: t.segments.map((s) => shiftSegment(s, offsetSec)) };
}
