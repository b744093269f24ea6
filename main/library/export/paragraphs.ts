/**
 * Segments grouped into paragraphs for the reading formats (TXT, Markdown, DOCX): a segment is a window's or a
 * sentence's worth of text, and one line each reads like a log, not a transcript. A paragraph ends where a reader
 * expects one: the speaker changes, a pause longer than `pauseSec`, or after `maxSentences` sentences (`maxWords`
 * words for text without punctuation, which the small models write). Pure.
 */
import type { Segment } from '@common/transcript';

export interface ParagraphOptions {
  /** A pause between two segments longer than this starts a new paragraph. */
  pauseSec: number;
  /** A paragraph that already holds this many sentences ends at the next segment boundary… */
  maxSentences: number;
  /** …or this many words (text without sentence punctuation). */
  maxWords: number;
}

export const DEFAULT_PARAGRAPH_OPTIONS: Readonly<ParagraphOptions> = Object.freeze({
  pauseSec: 2,
  maxSentences: 4,
  maxWords: 80,
});

export interface Paragraph {
  startSec: number;
  endSec: number;
  /** The speaker set in the editor for every segment of the paragraph (a change of speaker starts a new one). */
  speaker?: string;
  /** Its segments in order, text trimmed; empty segments are left out. */
  segments: Segment[];
}

const SENTENCE_END = /[.?!…。]+["'”’)\]]*(?=\s|$)/gu;

function sentencesIn(text: string): number {
  return text.match(SENTENCE_END)?.length ?? 0;
}

function wordsIn(text: string): number {
  return text.split(/\s+/u).filter((w) => w.length > 0).length;
}

function speakerOf(s: Segment): string | undefined {
  const name = s.speaker?.trim();
  return name ? name : undefined;
}

export function paragraphs(
  segments: readonly Segment[],
  options: Partial<ParagraphOptions> = {},
): Paragraph[] {
  const o = { ...DEFAULT_PARAGRAPH_OPTIONS, ...options };
  const out: Paragraph[] = [];
  let sentences = 0;
  let words = 0;
  for (const seg of segments) {
    const text = seg.text.trim();
    if (!text) continue;
    const speaker = speakerOf(seg);
    const last = out.at(-1);
    const full = sentences >= o.maxSentences || words >= o.maxWords;
    if (!last || last.speaker !== speaker || seg.startSec - last.endSec > o.pauseSec || full) {
      out.push({
        startSec: seg.startSec,
        endSec: seg.endSec,
        ...(speaker ? { speaker } : {}),
        segments: [{ ...seg, text }],
      });
      sentences = 0;
      words = 0;
    } else {
      last.segments.push({ ...seg, text });
      last.endSec = Math.max(last.endSec, seg.endSec);
    }
    sentences += sentencesIn(text);
    words += wordsIn(text);
  }
  return out;
}
