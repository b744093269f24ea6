import type { Transcript } from '@common/transcript';
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
  for (const s of transcript.segments) {
    if (!s.text.trim()) continue;
    const note = qualityNote(s.flags);
    // in italics after the text, escaped so the brackets stay literal (no link syntax)
    const flag = note ? ` *${escapeMarkdown(note)}*` : '';
    const who = s.speaker?.trim() ? `**${escapeMarkdown(s.speaker.trim())}:** ` : '';
    parts.push(`**[${shortClock(s.startSec)}]** ${who}${escapeMarkdown(s.text.trim())}${flag}`, '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
