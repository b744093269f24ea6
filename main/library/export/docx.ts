import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import type { Transcript } from '@common/transcript';
import { shortClock } from './time';

/** A Word document: title, a line of facts, then one paragraph per segment with its start time (and speaker, when set) in bold. */
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
          ...transcript.segments
            .filter((s) => s.text.trim())
            .map(
              (s) =>
                new Paragraph({
                  children: [
                    new TextRun({ text: `[${shortClock(s.startSec)}] `, bold: true }),
                    ...(s.speaker?.trim()
                      ? [new TextRun({ text: `${s.speaker.trim()}: `, bold: true })]
                      : []),
                    new TextRun(s.text.trim()),
                  ],
                }),
            ),
        ],
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
