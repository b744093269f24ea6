/**
 * Subtitle cues from transcript segments: at most `maxLines` lines of at most `maxLineChars` characters (the usual
 * 42 × 2 of broadcast subtitles), split at word boundaries, each cue's time a share of its segment proportional to
 * its characters, no cue on screen longer than `maxCueMs`, and no two cues overlapping. A segment's speaker (set in
 * the editor) leads its first cue as `Name: `.
 */
import { splitWords, type Transcript } from '@common/transcript';
import { qualityNote } from './quality-note';
import { toMillis } from './time';

export interface Cue {
  startMs: number;
  endMs: number;
  lines: string[];
}

export interface CueOptions {
  maxLineChars: number;
  maxLines: number;
  /** Shortest cue; shorter shares are lengthened when the segment allows. */
  minCueMs: number;
  /**
   * Longest cue. The model gives no word times, so a few words in a long segment (speech with long pauses) would
   * otherwise stay on screen for the whole segment; players and subtitle guidelines expect a few seconds at most.
   */
  maxCueMs: number;
}

export const DEFAULT_CUE_OPTIONS: Readonly<CueOptions> = Object.freeze({
  maxLineChars: 42,
  maxLines: 2,
  minCueMs: 500,
  maxCueMs: 7000,
});

/** `Name: text` when the segment has a speaker (the exports that have no field for it). */
export function withSpeaker(text: string, speaker: string | undefined): string {
  const name = speaker?.trim();
  return name ? `${name}: ${text}` : text;
}

// Whole characters as a reader sees them: a hard break never splits an emoji's surrogate pair or a letter from its
// accent, and a line's length is counted in them (what subtitle limits mean by "characters").
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const charsOf = (text: string): string[] => Array.from(graphemes.segment(text), (g) => g.segment);

/** Greedy word wrap; a word longer than a line is broken hard (URLs, numbers, text written without spaces). */
export function wrapLines(text: string, width: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  for (const w of splitWords(text)) {
    let word = charsOf(w);
    while (word.length > width) {
      if (line.length) {
        lines.push(line.join(''));
        line = [];
      }
      lines.push(word.slice(0, width).join(''));
      word = word.slice(width);
    }
    if (!word.length) continue;
    if (!line.length) line = word;
    else if (line.length + 1 + word.length <= width) line.push(' ', ...word);
    else {
      lines.push(line.join(''));
      line = word;
    }
  }
  if (line.length) lines.push(line.join(''));
  return lines;
}

/** Split a segment's lines into cue-sized groups, balancing the last two groups' lengths. */
function groupLines(lines: string[], perCue: number): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < lines.length; i += perCue) groups.push(lines.slice(i, i + perCue));
  return groups;
}

export function buildCues(transcript: Transcript, options: Partial<CueOptions> = {}): Cue[] {
  const o = { ...DEFAULT_CUE_OPTIONS, ...options };
  const cues: Cue[] = [];
  let floor = 0;
  for (const seg of transcript.segments) {
    // Subtitle syntax reserves "-->" for timings.
    const spoken = seg.text.replaceAll('-->', '->').trim();
    if (!spoken) continue;
    const text = withSpeaker(spoken, seg.speaker?.replaceAll('-->', '->'));
    // a flagged segment's "[check: …]" note starts a line of its own after the text, within the line limits
    const note = qualityNote(seg);
    const wrapped = wrapLines(text, o.maxLineChars);
    if (note) wrapped.push(...wrapLines(note, o.maxLineChars));
    const start = Math.max(floor, toMillis(seg.startSec));
    const end = Math.max(start + wrapped.length, toMillis(seg.endSec));
    let groups = groupLines(wrapped, o.maxLines);
    // Slow speech: one line per cue shows each line for a shorter time (and closer to when it is said).
    if (groups.length < wrapped.length && (end - start) / groups.length > o.maxCueMs)
      groups = groupLines(wrapped, 1);
    const chars = groups.map((g) => g.join(' ').length);
    const totalChars = chars.reduce((a, b) => a + b, 0);
    let t = start;
    let acc = 0;
    groups.forEach((lines, i) => {
      acc += chars[i]!;
      const cueEnd =
        i === groups.length - 1
          ? end
          : Math.max(t + 1, start + Math.round(((end - start) * acc) / totalChars));
      // Still too long: the text leaves the screen early; the next cue keeps its proportional start.
      cues.push({ startMs: t, endMs: Math.min(cueEnd, t + o.maxCueMs), lines });
      t = cueEnd;
    });
    floor = end;
  }
  // Lengthen very short cues into the following gap, never past the next cue.
  for (let i = 0; i < cues.length; i++) {
    const c = cues[i]!;
    const limit = cues[i + 1]?.startMs ?? Number.POSITIVE_INFINITY;
    if (c.endMs - c.startMs < o.minCueMs) c.endMs = Math.min(limit, c.startMs + o.minCueMs);
  }
  return cues;
}
