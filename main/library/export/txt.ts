import type { Transcript } from '@common/transcript';
import { withSpeaker } from './cues';
import { qualityNote } from './quality-note';
import { shortClock } from './time';

/**
 * One segment per line; with `timestamps`, each line starts with `[M:SS]`; a speaker set in the editor leads the
 * text as `Name: `. A flagged segment ends with its "[check: …]" note.
 */
export function toTxt(transcript: Transcript, options: { timestamps?: boolean } = {}): string {
  const lines = transcript.segments
    .filter((s) => s.text.trim())
    .map((s) => {
      const note = qualityNote(s.flags);
      const spoken = withSpeaker(s.text.trim(), s.speaker);
      const text = note ? `${spoken} ${note}` : spoken;
      return options.timestamps ? `[${shortClock(s.startSec)}] ${text}` : text;
    });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
