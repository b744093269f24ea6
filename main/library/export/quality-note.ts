/**
 * The reader-facing form of a segment's quality flags (common/transcript.ts SegmentFlag) in the text exports: a
 * short trailing "[check: …]" so whoever reads a TXT, SRT or Markdown file knows which passages to verify against
 * the audio, as the JSON export and the editor already do. Only what is still suspect is noted: a window the loop
 * guard retried and whose kept text passed every check is not (the JSON export keeps its `attempts`), and the
 * 'retried' flag of transcripts saved before that is left out.
 */
import { suspectFlags, type Segment, type SuspectFlag } from '@common/transcript';

type Noted = SuspectFlag;

const NOTES: Record<Noted, string> = {
  loop: 'repeated text',
  max_tokens: 'may be cut short',
  hard_cut: 'cut mid-speech',
};
/** Most serious first, whatever order the flags were recorded in. */
const ORDER: readonly Noted[] = ['loop', 'max_tokens', 'hard_cut'];

export function qualityNote(segment: Pick<Segment, 'flags' | 'attempts'>): string | null {
  const flags = suspectFlags(segment.flags);
  const notes = ORDER.filter((f) => flags.includes(f)).map((f) => NOTES[f]);
  if (notes.length === 0) return null;
  // the guard's retries did not clear it: worth saying, it is why the text is what it is
  const tries =
    (segment.attempts ?? 1) > 1 && (flags.includes('loop') || flags.includes('max_tokens'))
      ? ` (after ${segment.attempts} tries)`
      : '';
  return `[check: ${notes.join(', ')}${tries}]`;
}
