import { formatClock } from '@common/clock';
import type { Segment, SuspectFlag } from '@common/transcript';

/**
 * The segment playing at `timeSec`: the last one that started at or before it (a gap between segments keeps the
 * previous one current, so the highlight does not flicker off during pauses), -1 before the first. Binary search:
 * called on every timeupdate of transcripts with thousands of segments. Segments are in time order.
 */
export function segmentIndexAt(segments: readonly Pick<Segment, 'startSec'>[], timeSec: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid]?.startSec ?? Infinity) <= timeSec) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** `m:ss`, or `h:mm:ss` from an hour on; seconds are floored, as players show them. */
export const formatTimestamp = (sec: number): string => formatClock(sec);

export const FLAG_INFO: Readonly<Record<SuspectFlag, { label: string; why: string }>> = {
  loop: {
    label: 'Loop',
    why: 'The model kept repeating itself here even after retries; the text may contain a repeated phrase.',
  },
  max_tokens: {
    label: 'Cut off',
    why: 'The text hit the length limit for one window; words at the end may be missing.',
  },
  hard_cut: {
    label: 'Hard cut',
    why: 'The audio was cut in the middle of speech here; words at the seam may be missing or doubled.',
  },
};

export const PLAYBACK_RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;
export const SKIP_SECONDS = 5;
