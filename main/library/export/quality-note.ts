/**
 * The reader-facing form of a segment's quality flags (common/transcript.ts SegmentFlag) in the text exports: a
 * short trailing "[check: …]" so whoever reads a TXT, SRT or Markdown file knows which passages to verify against
 * the audio, as the JSON export and the editor already do.
 */
import type { SegmentFlag } from '@common/transcript';

const NOTES: Record<SegmentFlag, string> = {
  loop: 'repeated text',
  max_tokens: 'may be cut short',
  hard_cut: 'cut mid-speech',
  retried: 'retried',
};
/** Most serious first, whatever order the flags were recorded in. */
const ORDER: readonly SegmentFlag[] = ['loop', 'max_tokens', 'hard_cut', 'retried'];

export function qualityNote(flags: readonly SegmentFlag[] | undefined): string | null {
  if (!flags?.length) return null;
  const notes = ORDER.filter((f) => flags.includes(f)).map((f) => NOTES[f]);
  return notes.length ? `[check: ${notes.join(', ')}]` : null;
}
