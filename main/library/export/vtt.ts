/**
 * WebVTT: the `WEBVTT` header, a blank line, then cues `HH:MM:SS.mmm --> HH:MM:SS.mmm` + text, separated by blank
 * lines. Cue text escapes `&`, `<` and `>` (the spec gives them meaning); cue ids are the segment ids.
 */
import type { Transcript } from '@common/transcript';
import { buildCues, type CueOptions } from './cues';
import { clock } from './time';

export function escapeVttText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function toVtt(transcript: Transcript, options: Partial<CueOptions> = {}): string {
  const cues = buildCues(transcript, options).map(
    (c, i) =>
      `${i + 1}\n${clock(c.startMs, '.')} --> ${clock(c.endMs, '.')}\n${c.lines.map(escapeVttText).join('\n')}\n`,
  );
  return [`WEBVTT\n`, ...cues].join('\n');
}
