import { describe, expect, it } from 'vitest';
import { normaliseWord, overlapWordBound, stitchSeam } from './stitch';
import { buildScript, seededRandom, type TimedWord } from './testkit';

const script = buildScript({ seed: 3, monologueProb: 1 });
const norm = (ws: readonly string[]) => ws.map(normaliseWord);
const join = (left: string, right: string) =>
  [left, right]
    .filter((x) => x)
    .join(' ')
    .split(' ');

/** A word cut by a window edge comes out as a fragment (its first or last letters) when enough of it is inside. */
function fragment(word: string, fraction: number, fromStart: boolean): string | null {
  const letters = Math.floor(word.length * fraction);
  if (fraction < 0.3 || letters < 1) return null;
  return fromStart ? word.slice(0, letters) : word.slice(word.length - letters);
}

function windowTexts(words: readonly TimedWord[], cut: number, overlap: number, fragments: boolean) {
  const bStart = cut - overlap;
  const a: string[] = [];
  const b: string[] = [];
  for (const w of words) {
    const mid = (w.startSec + w.endSec) / 2;
    const dur = w.endSec - w.startSec;
    if (!fragments) {
      if (mid < cut) a.push(w.word);
      if (mid >= bStart) b.push(w.word);
      continue;
    }
    if (w.endSec <= cut) a.push(w.word);
    else if (w.startSec < cut) {
      const f = fragment(w.word, (cut - w.startSec) / dur, true);
      if (f) a.push(f);
    }
    if (w.startSec >= bStart) b.push(w.word);
    else if (w.endSec > bStart) {
      const f = fragment(w.word, (w.endSec - bStart) / dur, false);
      if (f) b.push(f);
    }
  }
  return { a, b };
}

describe('stitchSeam on real sentences', () => {
  const words = script.words;
  const original = norm(words.map((w) => w.word));
  const span = [words[0]!.startSec + 3, words.at(-1)!.endSec - 3] as const;

  it('loses and doubles no word at 500 random cut positions (whole words in the overlap)', () => {
    const rnd = seededRandom(42);
    for (let i = 0; i < 500; i++) {
      const cut = span[0] + rnd() * (span[1] - span[0]);
      const overlap = 0.8 + rnd() * 1.5;
      const { a, b } = windowTexts(words, cut, overlap, false);
      // Models capitalise the first word of a window; the seam must not care.
      b[0] = b[0]!.charAt(0).toUpperCase() + b[0]!.slice(1);
      const r = stitchSeam(a.join(' '), b.join(' '), overlapWordBound(overlap));
      expect(norm(join(r.left, r.right))).toEqual(original);
    }
  });

  it('drops word fragments at both edges at 500 random cut positions', () => {
    const rnd = seededRandom(43);
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const cut = span[0] + rnd() * (span[1] - span[0]);
      const overlap = 1.5;
      const { a, b } = windowTexts(words, cut, overlap, true);
      // Needs two whole words heard by both windows to be unambiguous.
      const whole = words.filter((w) => w.startSec >= cut - overlap && w.endSec <= cut).length;
      if (whole < 2) continue;
      checked++;
      const r = stitchSeam(a.join(' '), b.join(' '), overlapWordBound(overlap));
      expect(norm(join(r.left, r.right))).toEqual(original);
    }
    expect(checked).toBeGreaterThan(350);
  });

  it('leaves texts alone when they share nothing', () => {
    const r = stitchSeam('the budget review moved', 'to Thursday afternoon', 6);
    expect(r).toEqual({ left: 'the budget review moved', right: 'to Thursday afternoon', matchedWords: 0 });
  });

  it('does not take a phrase repeated beyond the overlap bound for the seam', () => {
    const left = 'we agreed on the plan and then we agreed on the plan';
    const right = 'we agreed on the plan and then we agreed on the plan again';
    const r = stitchSeam(left, right, 6);
    // Within 6 words the longest suffix/prefix match is "we agreed on the plan" (5 words).
    expect(r.matchedWords).toBe(5);
    expect(r.right).toBe('and then we agreed on the plan again');
  });
});
