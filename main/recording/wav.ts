/**
 * The WAV container of a recording: 16-bit PCM, interleaved channels (mic first, then system audio). A recording is
 * written with a placeholder header (sizes 0) and its sizes are set when it stops; a crash leaves the data intact
 * and the sizes wrong, which `repairedHeader` fixes from the file's real length.
 */
import { RotorError } from '@common/errors';

export const WAV_HEADER_BYTES = 44;
const BITS = 16;

export interface WavFormat {
  sampleRate: number;
  channels: number;
}

export function blockAlign(format: WavFormat): number {
  return format.channels * (BITS / 8);
}

export function bytesPerSecond(format: WavFormat): number {
  return format.sampleRate * blockAlign(format);
}

/** The 44-byte canonical header; `dataBytes` is clamped to what a RIFF size field can say (4 GiB). */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const data = Math.min(dataBytes, 0xffffffff - 36);
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(bytesPerSecond(format), 28);
  h.writeUInt16LE(blockAlign(format), 32);
  h.writeUInt16LE(BITS, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data, 40);
  return h;
}

export interface ParsedWav extends WavFormat {
  /** What the header claims. */
  dataBytes: number;
}

/** Reads a header this module wrote; anything else is not one of our recordings. */
export function parseWavHeader(h: Uint8Array): ParsedWav {
  const b = Buffer.from(h.buffer, h.byteOffset, h.byteLength);
  const ok =
    b.length >= WAV_HEADER_BYTES &&
    b.toString('ascii', 0, 4) === 'RIFF' &&
    b.toString('ascii', 8, 12) === 'WAVE' &&
    b.toString('ascii', 12, 16) === 'fmt ' &&
    b.readUInt16LE(20) === 1 &&
    b.readUInt16LE(34) === BITS &&
    b.toString('ascii', 36, 40) === 'data';
  if (!ok) throw new RotorError('AUDIO_CORRUPT', 'This is not a RotorScribe recording.');
  return { channels: b.readUInt16LE(22), sampleRate: b.readUInt32LE(24), dataBytes: b.readUInt32LE(40) };
}

/**
 * What a recording of `fileBytes` on disk really holds: whole frames only (a torn last frame is cut off) and the
 * header that says so.
 */
export function repairedHeader(
  format: WavFormat,
  fileBytes: number,
): { header: Buffer; dataBytes: number; fileBytes: number } {
  const align = blockAlign(format);
  const dataBytes = Math.max(0, Math.floor((fileBytes - WAV_HEADER_BYTES) / align) * align);
  return { header: wavHeader(format, dataBytes), dataBytes, fileBytes: WAV_HEADER_BYTES + dataBytes };
}

/** Interleaved float frames [-1, 1] → 16-bit little-endian PCM (clipped, rounded). */
export function toPcm16(interleaved: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(interleaved.length * 2);
  // Every platform the app ships on is little-endian, so an Int16Array view writes WAV byte order directly.
  const view = new Int16Array(out.buffer, out.byteOffset, interleaved.length);
  for (let i = 0; i < interleaved.length; i++) {
    const s = interleaved[i]!;
    const c = s >= 1 ? 1 : s <= -1 ? -1 : s;
    view[i] = Math.round(c < 0 ? c * 0x8000 : c * 0x7fff);
  }
  return out;
}
