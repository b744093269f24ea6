/**
 * Joining the text of two windows that overlap in time (a hard cut inside speech): the words spoken in the overlap
 * come out of both windows. We find the longest run of words that ends the first text and begins the second
 * (compared case- and punctuation-insensitively), and drop it from the second. Either edge word may be a fragment of
 * a word cut in half, so a match may also skip one word at the end of the first text and/or the start of the second.
 */
import { splitWords } from '@common/transcript';

export interface SeamResult {
  /** The first text, possibly without a trailing fragment. */
  left: string;
  /** The second text without the words already present in the first. */
  right: string;
  /** Words of the second text dropped as duplicates. */
  matchedWords: number;
}

export function normaliseWord(word: string): string {
  return word
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']/gu, '')
    .replace(/^'+|'+$/g, '');
}

/**
 * @param maxOverlapWords upper bound on words the overlap can hold (overlap seconds × fast speech rate + slack);
 *   it stops a phrase repeated far apart from being taken for the seam.
 */
export function stitchSeam(left: string, right: string, maxOverlapWords: number): SeamResult {
  const a = splitWords(left);
  const b = splitWords(right);
  const na = a.map(normaliseWord);
  const nb = b.map(normaliseWord);
  let best: { k: number; dropA: number; dropB: number } | null = null;
  for (const [dropA, dropB, minK] of [
    [0, 0, 1],
    [1, 0, 2],
    [0, 1, 2],
    [1, 1, 2],
  ] as const) {
    const maxK = Math.min(maxOverlapWords, na.length - dropA, nb.length - dropB);
    for (let k = maxK; k >= minK; k--) {
      if (best && k <= best.k) break;
      let ok = true;
      for (let i = 0; i < k && ok; i++) {
        const x = na[na.length - dropA - k + i]!;
        ok = x.length > 0 && x === nb[dropB + i];
      }
      if (ok) {
        best = { k, dropA, dropB };
        break;
      }
    }
  }
  if (!best) return { left: a.join(' '), right: b.join(' '), matchedWords: 0 };
  return {
    left: a.slice(0, a.length - best.dropA).join(' '),
    right: b.slice(best.dropB + best.k).join(' '),
    matchedWords: best.dropB + best.k,
  };
}

/** Words a seam of `overlapSec` can hold: 5 words/s is fast speech; +3 for fragments and rounding. */
export function overlapWordBound(overlapSec: number): number {
  return Math.ceil(overlapSec * 5) + 3;
}
