import type { Transcript } from '@common/transcript';
import { withSpeaker } from './cues';
import { paragraphs } from './paragraphs';
import { qualityNote } from './quality-note';
import { shortClock } from './time';

/**
 * Reads like a transcript: paragraphs (paragraphs.ts: a new one at a change of speaker, a pause over 2 s, or after a
 * few sentences) separated by blank lines; with `timestamps`, each paragraph starts with `[M:SS]`; a speaker set in
 * the editor leads its paragraph as `Name: `. A flagged segment's "[check: …]" note follows its own text.
 */
export function toTxt(transcript: Transcript, options: { timestamps?: boolean } = {}): string {
  const blocks = paragraphs(transcript.segments).map((p) => {
    const body = p.segments
      .map((s) => {
        const note = qualityNote(s);
        return note ? `${s.text} ${note}` : s.text;
      })
      .join(' ');
    const text = withSpeaker(body, p.speaker);
    return options.timestamps ? `[${shortClock(p.startSec)}] ${text}` : text;
  });
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '';
}
