import { describe, expect, it } from 'vitest';
import { looksLikeText } from './file-check';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('looksLikeText', () => {
  it('accepts plain and accented UTF-8 text with tabs and line breaks', () => {
    expect(looksLikeText(bytes('Meeting notes:\n\t- nothing to hear here.\r\n'))).toBe(true);
    expect(looksLikeText(bytes('Réunion — compte rendu, 2 h, ça va.'))).toBe(true);
  });

  it('accepts a sample that ends inside a multi-byte character', () => {
    const full = bytes('Grüße');
    expect(looksLikeText(full.subarray(0, 3))).toBe(true); // "Gr" + first byte of "ü"
  });

  it('refuses media headers, binary bytes and empty samples', () => {
    expect(looksLikeText(new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10]))).toBe(false); // ID3
    expect(looksLikeText(bytes('RIFF\u0024\u0000\u0000\u0000WAVEfmt '))).toBe(false);
    expect(looksLikeText(new Uint8Array([0xff, 0xfb, 0x90, 0x64]))).toBe(false); // MPEG frame sync
    expect(looksLikeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(false); // PNG
    expect(looksLikeText(new Uint8Array())).toBe(false);
  });
});
