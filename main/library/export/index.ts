/** Every export format, by name: what the CLI's --format and the app's export menu offer. */
import { EXPORT_FORMATS, type ExportFormat } from '@common/library-schema';
import type { Transcript } from '@common/transcript';
import { toDocx } from './docx';
import { toJson } from './json';
import { toMarkdown } from './markdown';
import { toSrt } from './srt';
import { toTxt } from './txt';
import { toVtt } from './vtt';

export { EXPORT_FORMATS, type ExportFormat };

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export interface ExportOptions {
  /** TXT: each paragraph starts with its time (the other formats carry times as they are). */
  timestamps?: boolean;
}

export async function exportTranscript(
  transcript: Transcript,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const text = (s: string) => new TextEncoder().encode(s);
  switch (format) {
    case 'txt':
      return text(toTxt(transcript, { timestamps: options.timestamps === true }));
    case 'srt':
      return text(toSrt(transcript));
    case 'vtt':
      return text(toVtt(transcript));
    case 'json':
      return text(toJson(transcript));
    case 'md':
      return text(toMarkdown(transcript));
    case 'docx':
      return toDocx(transcript);
  }
}

export { toDocx, toJson, toMarkdown, toSrt, toTxt, toVtt };
