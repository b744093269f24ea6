import type { Transcript } from '@common/transcript';
import { paragraphs } from './paragraphs';
import { qualityNote } from './quality-note';
import { shortClock } from './time';

/** Escapes characters that Markdown would read as formatting, so a transcript renders as said. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*_{}[\]()#+!|<>~])/gu, '\\$1')
    .replace(/^(\s*)(\d+)\.(\s)/u, '$1$2\\.$3')
    .replace(/^-/u, '\\-');
}

export function toMarkdown(transcript: Transcript): string {
  const { meta } = transcript;
  const facts: string[] = [`Source: ${escapeMarkdown(meta.source.name)}`];
  if (meta.source.durationSec !== null) facts.push(`Duration: ${shortClock(meta.source.durationSec)}`);
  if (meta.language) facts.push(`Language: ${meta.language}`);
  const parts = [`# ${escapeMarkdown(meta.title)}`, '', `*${facts.join(' · ')}*`, ''];
  // paragraphs (paragraphs.ts), each with its start time and speaker in bold; a flagged segment's note in italics
  // after its own text, escaped so the brackets stay literal (no link syntax)
  for (const p of paragraphs(transcript.segments)) {
    const body = p.segments
      .map((s) => {
        const note = qualityNote(s);
        return `${escapeMarkdown(s.text)}${note ? ` *${escapeMarkdown(note)}*` : ''}`;
      })
      .join(' ');
    const who = p.speaker ? `**${escapeMarkdown(p.speaker)}:** ` : '';
    parts.push(`**[${shortClock(p.startSec)}]** ${who}${body}`, '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
