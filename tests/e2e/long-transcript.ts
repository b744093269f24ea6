/** A long meeting's transcript (~1,500 segments of one to three sentences), for the editor's e2e test and bench. */
import { writeFile } from 'node:fs/promises';
import type { Transcript } from '@common/transcript';

const WORDS =
  'budget review slides harbour office support queue invoice travel schedule team planning release customer report design summary meeting quarter figures marketing'.split(
    ' ',
  );

/**
 * Deterministic: segment i starts at i seconds and says where it is ("Segment 1401: …"), so a test can search for
 * a given row and know its time.
 */
export function longTranscript(segments = 1500, title = 'All-hands, long'): Transcript {
  return {
    version: 1,
    meta: { title, source: { name: 'all-hands.wav', durationSec: segments }, language: 'en' },
    segments: Array.from({ length: segments }, (_, i) => {
      const words = 8 + ((i * 7) % 30);
      const text = [
        `Segment ${i + 1}:`,
        ...Array.from({ length: words }, (_, k) => WORDS[(i * 3 + k * 5) % WORDS.length]!),
      ].join(' ');
      return { id: `s${i}`, startSec: i, endSec: i + 1, text: `${text}.`, windowId: `w${i}` };
    }),
  };
}

/** Silence as an 8 kHz 8-bit mono WAV (8 kB a second): something to play and seek under a long transcript. */
export async function writeSilentWav(file: string, seconds: number): Promise<string> {
  const rate = 8000;
  const data = Math.round(seconds * rate);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28); // bytes per second
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data, 40);
  // unsigned 8-bit: 128 is silence
  await writeFile(file, Buffer.concat([header, Buffer.alloc(data, 128)]));
  return file;
}
