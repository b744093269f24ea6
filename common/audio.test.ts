import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE, samplesToSec, secToSamples } from './audio';

const repo = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts|mjs)$/u.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('audio constants', () => {
  it('converts between samples and seconds at 16 kHz', () => {
    expect(SAMPLE_RATE).toBe(16_000);
    expect(secToSamples(1.5)).toBe(24_000);
    expect(samplesToSec(8_000)).toBe(0.5);
  });

  it('are declared in one place: no other source file defines a 16 kHz constant', () => {
    const declarations = ['main', 'common', 'fixtures', 'bench']
      .flatMap((d) => sources(join(repo, d)))
      .filter((f) => /const\s+\w+\s*(?::\s*number\s*)?=\s*16_?000\b/u.test(readFileSync(f, 'utf8')))
      .map((f) => relative(repo, f));
    expect(declarations).toEqual(['common/audio.ts']);
  });
});
