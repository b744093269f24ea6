/** SubRip: numbered cues from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text lines, a blank line after each cue (CRLF-free). */
import type { Transcript } from '@common/transcript';
import { buildCues, type CueOptions } from './cues';
import { clock } from './time';

export function toSrt(transcript: Transcript, options: Partial<CueOptions> = {}): string {
  return buildCues(transcript, options)
    .map((c, i) => `${i + 1}\n${clock(c.startMs, ',')} --> ${clock(c.endMs, ',')}\n${c.lines.join('\n')}\n`)
    .join('\n');
}
