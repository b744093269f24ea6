import { describe, expect, it } from 'vitest';
import { WAV_HEADER_BYTES, parseWavHeader, repairedHeader, toPcm16, wavHeader } from './wav';

describe('recording WAV container', () => {
  it('writes a header that reads back with its format and size', () => {
    const h = wavHeader({ sampleRate: 48_000, channels: 2 }, 192_000);
    expect(h.length).toBe(WAV_HEADER_BYTES);
    expect(parseWavHeader(h)).toEqual({ sampleRate: 48_000, channels: 2, dataBytes: 192_000 });
    expect(h.readUInt32LE(4)).toBe(36 + 192_000);
    expect(h.readUInt32LE(28)).toBe(48_000 * 4);
  });

  it('repairs from the real length: whole frames only, torn frame cut', () => {
    const format = { sampleRate: 44_100, channels: 2 };
    const r = repairedHeader(format, WAV_HEADER_BYTES + 4 * 1000 + 3);
    expect(r.dataBytes).toBe(4000);
    expect(r.fileBytes).toBe(WAV_HEADER_BYTES + 4000);
    expect(parseWavHeader(r.header).dataBytes).toBe(4000);
    expect(repairedHeader(format, 10).dataBytes).toBe(0);
  });

  it('refuses a file that is not ours', () => {
    expect(() => parseWavHeader(Buffer.alloc(44))).toThrow(/not a RotorScribe recording/u);
  });

  it('converts floats to clipped, rounded 16-bit PCM', () => {
    const pcm = toPcm16(Float32Array.from([0, 1, -1, 2, -2, 0.5]));
    const ints = [0, 1, 2, 3, 4, 5].map((i) => pcm.readInt16LE(i * 2));
    expect(ints).toEqual([0, 32767, -32768, 32767, -32768, 16384]);
  });
});
