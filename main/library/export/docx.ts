import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Transcript } from '@common/transcript';
import { paragraphs } from './paragraphs';
import { shortClock } from './time';

/**
 * A Word document: title, a line of facts, then the transcript's paragraphs (paragraphs.ts), each with its start time
 * (and speaker, when set) in bold.
 */
export async function toDocx(transcript: Transcript): Promise<Uint8Array> {
  const { meta } = transcript;
  const facts = [`Source: ${meta.source.name}`];
  if (meta.source.durationSec !== null) facts.push(`Duration: ${shortClock(meta.source.durationSec)}`);
  if (meta.language) facts.push(`Language: ${meta.language}`);
  const doc = new Document({
    creator: 'RotorScribe',
    title: meta.title,
    sections: [
      {
        children: [
          new Paragraph({ text: meta.title, heading: HeadingLevel.TITLE }),
          new Paragraph({ children: [new TextRun({ text: facts.join(' · '), italics: true })] }),
          ...paragraphs(transcript.segments).map(
            (p) =>
              new Paragraph({
                children: [
                  new TextRun({ text: `[${shortClock(p.startSec)}] `, bold: true }),
                  ...(p.speaker ? [new TextRun({ text: `${p.speaker}: `, bold: true })] : []),
                  new TextRun(p.segments.map((s) => s.text).join(' ')),
                ],
              }),
          ),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
