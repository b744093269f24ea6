import { describe, expect, it } from 'vitest';
import { MUTATIONS, mutate, seeded } from './mutate';

const input = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 31) & 0xff);

describe('seeded mutator', () => {
  it('gives the same bytes for the same seed and different bytes for another', () => {
    const a = mutate(input, seeded(7));
    const b = mutate(input, seeded(7));
    const c = mutate(input, seeded(8));
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.applied).toEqual(b.applied);
    expect(Buffer.from(a.bytes).equals(Buffer.from(c.bytes))).toBe(false);
  });

  it('changes its input without touching the original, and uses every kind of edit', () => {
    const seen = new Set<string>();
    const rand = seeded(1);
    let changed = 0;
    for (let i = 0; i < 300; i++) {
      const { bytes, applied } = mutate(input, rand);
      applied.forEach((k) => seen.add(k));
      expect(bytes.length).toBeGreaterThan(0);
      if (!Buffer.from(bytes).equals(Buffer.from(input))) changed++;
    }
    expect(input[1]).toBe(31);
    expect(changed).toBeGreaterThan(290);
    expect([...seen].sort()).toEqual([...MUTATIONS].sort());
  });

  it('lands most edits in the header region it is told about', () => {
    const rand = seeded(3);
    let inHeader = 0;
    let total = 0;
    for (let i = 0; i < 400; i++) {
      const { bytes, applied } = mutate(input, rand, 256);
      if (applied.length !== 1 || applied[0] !== 'bytes') continue;
      const first = bytes.findIndex((b, j) => b !== input[j]);
      if (first < 0) continue;
      total++;
      if (first < 256) inHeader++;
    }
    expect(total).toBeGreaterThan(10);
    expect(inHeader / total).toBeGreaterThan(0.5);
  });
});
