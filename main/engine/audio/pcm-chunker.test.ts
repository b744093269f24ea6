import { describe, expect, it } from 'vitest';
import { PcmChunker } from './pcm-chunker';

describe('PcmChunker', () => {
  it('re-frames bytes split anywhere, even inside a sample', () => {
    const samples = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.5);
    const bytes = new Uint8Array(samples.buffer);
    const chunker = new PcmChunker(128);
    const out: Float32Array[] = [];
    // reads of 1, 3, 5, 7 ... bytes
    for (let at = 0, n = 1; at < bytes.length; at += n, n = (n + 2) % 97) {
      out.push(...chunker.push(bytes.subarray(at, at + n)));
    }
    const { chunk, strayBytes } = chunker.flush();
    if (chunk) out.push(chunk);
    expect(strayBytes).toBe(0);
    expect(out.slice(0, -1).every((c) => c.length === 128)).toBe(true);
    expect(out.at(-1)!.length).toBe(1000 % 128);
    expect(Float32Array.from(out.flatMap((c) => [...c]))).toEqual(samples);
  });

  it('gives every chunk its own memory', () => {
    const chunker = new PcmChunker(2);
    const [a] = chunker.push(new Uint8Array(new Float32Array([1, 2]).buffer));
    const [b] = chunker.push(new Uint8Array(new Float32Array([3, 4]).buffer));
    expect([...a!]).toEqual([1, 2]);
    expect([...b!]).toEqual([3, 4]);
  });

  it('reports stray bytes that do not make a whole sample', () => {
    const chunker = new PcmChunker(16);
    chunker.push(new Uint8Array(10));
    expect(chunker.flush()).toMatchObject({ strayBytes: 2 });
    expect(() => new PcmChunker(0)).toThrow(RangeError);
  });
});
