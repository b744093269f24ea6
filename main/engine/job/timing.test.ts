import { describe, expect, it } from 'vitest';
import { sentenceWeight, splitSentences, timeSentences, type TimeSpan } from './timing';

const SENTENCES = [
  'Good morning everyone and thank you for joining.',
  'The budget is approved.',
  'Marketing wants to move the product launch to early spring next year.',
  'Yes.',
  'Please send your comments on the draft before Friday afternoon.',
];

/** Regions of speech laid out like a speaker at `secPerUnit` per weight unit, with the given pauses before each. */
function layout(sentences: readonly string[], pauses: readonly number[], secPerUnit = 0.07): TimeSpan[] {
  let t = 0;
  return sentences.map((s, i) => {
    t += pauses[i]!;
    const r = { startSec: t, endSec: t + sentenceWeight(s) * secPerUnit };
    t = r.endSec;
    return r;
  });
}

const startErrors = (got: readonly { startSec: number }[], truth: readonly number[]): number[] =>
  got.map((p, i) => Math.abs(p.startSec - truth[i]!));

describe('splitSentences', () => {
  it('splits after terminal punctuation and keeps the words', () => {
    expect(splitSentences('Hello there. How are you?  Fine! "Quoted." Next')).toEqual([
      'Hello there.',
      'How are you?',
      'Fine!',
      '"Quoted."',
      'Next',
    ]);
    expect(splitSentences('Version 2.5 is out.')).toEqual(['Version 2.5 is out.']);
    expect(splitSentences('你好。今天开会！好')).toEqual(['你好。', '今天开会！', '好']);
  });

  it('cuts an unpunctuated run into even pieces of at most maxWords', () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    const pieces = splitSentences(words.join(' '), 40);
    expect(pieces.map((p) => p.split(' ').length)).toEqual([34, 34, 32]);
    expect(pieces.join(' ')).toBe(words.join(' '));
  });

  it('gives nothing for blank text', () => {
    expect(splitSentences('  \n ')).toEqual([]);
  });
});

describe('sentenceWeight', () => {
  it('counts letters, digits as spoken words, and never less than 1', () => {
    expect(sentenceWeight('Ab, c.')).toBe(3);
    expect(sentenceWeight('12')).toBe(6);
    expect(sentenceWeight('...')).toBe(1);
  });
});

describe('timeSentences', () => {
  it('puts each sentence on its own speech region when the pauses mark them, at any speaking rate', () => {
    const pauses = [0.5, 0.3, 2.5, 0.6, 8];
    const regions = layout(SENTENCES, pauses, 0.06);
    // A speaker slower in the middle: the lengths no longer match the text's shares, the pauses still do.
    regions[2] = { startSec: regions[2]!.startSec, endSec: regions[2]!.endSec + 1.5 };
    for (let k = 3; k < regions.length; k++)
      regions[k] = { startSec: regions[k]!.startSec + 1.5, endSec: regions[k]!.endSec + 1.5 };
    const got = timeSentences(SENTENCES, regions);
    expect(got.map((p) => p.text)).toEqual(SENTENCES);
    got.forEach((p, i) => {
      expect(p.startSec).toBeCloseTo(regions[i]!.startSec, 9);
      expect(p.endSec).toBeCloseTo(regions[i]!.endSec, 9);
    });
  });

  it('finds a sentence boundary without a pause and a pause inside a sentence', () => {
    const truth = layout(SENTENCES, [0.4, 0.05, 1.2, 0.7, 1.0]);
    // VAD: sentences 0 and 1 heard as one region (no pause between them); sentence 2 with a pause in its middle.
    const mid = (truth[2]!.startSec + truth[2]!.endSec) / 2;
    const regions: TimeSpan[] = [
      { startSec: truth[0]!.startSec, endSec: truth[1]!.endSec },
      { startSec: truth[2]!.startSec, endSec: mid - 0.2 },
      { startSec: mid + 0.2, endSec: truth[2]!.endSec + 0.4 },
      truth[3]!,
      truth[4]!,
    ];
    const anchored = timeSentences(SENTENCES, regions);
    const speech = timeSentences(SENTENCES, regions, { method: 'speech' });
    const span = timeSentences(SENTENCES, regions, { method: 'span' });
    const starts = truth.map((r) => r.startSec);
    const err = startErrors(anchored, starts);
    expect(Math.max(...err)).toBeLessThan(0.15);
    expect(anchored[2]!.startSec).toBeCloseTo(truth[2]!.startSec, 9);
    expect(anchored[4]!.startSec).toBeCloseTo(truth[4]!.startSec, 9);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    expect(sum(err)).toBeLessThan(sum(startErrors(speech, starts)));
    expect(sum(err)).toBeLessThan(sum(startErrors(span, starts)));
  });

  it('leaves a region without text (a cough) untimed instead of shifting every sentence', () => {
    const truth = layout(SENTENCES, [3, 0.5, 0.9, 0.6, 1.1]);
    const cough = { startSec: 0.5, endSec: 0.9 };
    const got = timeSentences(SENTENCES, [cough, ...truth]);
    got.forEach((p, i) => expect(p.startSec).toBeCloseTo(truth[i]!.startSec, 9));
  });

  it('keeps pieces in order, inside the regions, and deterministic', () => {
    const regions = layout(SENTENCES, [0.2, 0.1, 0.1, 0.1, 0.1], 0.09).slice(0, 2);
    const a = timeSentences(SENTENCES, regions);
    expect(a).toEqual(timeSentences(SENTENCES, [...regions].reverse()));
    for (let i = 0; i < a.length; i++) {
      expect(a[i]!.endSec).toBeGreaterThanOrEqual(a[i]!.startSec);
      if (i > 0) expect(a[i]!.startSec).toBeGreaterThanOrEqual(a[i - 1]!.endSec - 1e-9);
      expect(a[i]!.startSec).toBeGreaterThanOrEqual(regions[0]!.startSec);
      expect(a[i]!.endSec).toBeLessThanOrEqual(regions[1]!.endSec + 1e-9);
    }
  });

  it('falls back to sharing the speech by length when no alignment fits its bounds', () => {
    const many = Array.from({ length: 30 }, (_, i) => `Sentence number ${'x'.repeat(i % 5)}.`);
    const regions = [{ startSec: 10, endSec: 70 }];
    const got = timeSentences(many, regions);
    expect(got).toEqual(timeSentences(many, regions, { method: 'speech' }));
    expect(got[0]!.startSec).toBe(10);
    expect(got.at(-1)!.endSec).toBeCloseTo(70, 9);
  });

  it('span: silences count as speech time', () => {
    const regions = [
      { startSec: 0, endSec: 1 },
      { startSec: 9, endSec: 10 },
    ];
    const twins = ['Aaaa.', 'Bbbb.'];
    expect(timeSentences(twins, regions, { method: 'span' }).map((p) => p.startSec)).toEqual([0, 5]);
    expect(timeSentences(twins, regions, { method: 'speech' }).map((p) => p.startSec)).toEqual([0, 9]);
  });

  it('cuts text without punctuation at the pauses, not every 40 words', () => {
    // three stretches of speech of 12, 30 and 20 equal words, between pauses
    const word = (i: number): string => `w${String(i).padStart(3, '0')}`;
    const words = Array.from({ length: 62 }, (_, i) => word(i));
    const per = 0.4; // seconds per word: each word has the same weight
    const regions = [
      { startSec: 1, endSec: 1 + 12 * per },
      { startSec: 10, endSec: 10 + 30 * per },
      { startSec: 30, endSec: 30 + 20 * per },
    ];
    const got = timeSentences(splitSentences(words.join(' ')), regions);
    expect(got.map((p) => p.text.split(' ').length)).toEqual([12, 30, 20]);
    expect(got.map((p) => p.startSec)).toEqual([1, 10, 30]);
    expect(got.map((p) => p.text).join(' ')).toBe(words.join(' '));
    // a stretch longer than MAX_PIECE_WORDS without a pause is still cut at 40 words
    const long = Array.from({ length: 90 }, (_, i) => word(i));
    const one = timeSentences(splitSentences(long.join(' ')), [{ startSec: 0, endSec: 90 * per }]);
    expect(one.map((p) => p.text.split(' ').length)).toEqual([40, 40, 10]);
    expect(one[1]!.startSec).toBeCloseTo(40 * per, 9);
  });

  it('ends a piece cut at a pause where its speech ends, so pieces never overlap', () => {
    // the words' shares do not match the regions exactly (the model's text is never exact): a cut at a pause must still
    // end the piece before it at that pause, not inside the next region (it overlapped the next piece by up to 0.66 s
    // on a 20-minute recording)
    const words = Array.from({ length: 62 }, (_, i) => `w${String(i).padStart(3, '0')}`);
    const per = 0.4;
    const regions = [
      { startSec: 1, endSec: 1 + 11 * per },
      { startSec: 10, endSec: 10 + 32 * per },
      { startSec: 30, endSec: 30 + 19 * per },
    ];
    const got = timeSentences(splitSentences(words.join(' ')), regions);
    expect(got.length).toBeGreaterThan(1);
    for (let i = 0; i + 1 < got.length; i++) {
      expect(got[i]!.endSec, `piece ${i}`).toBeLessThanOrEqual(got[i + 1]!.startSec);
      expect(got[i]!.endSec).toBeGreaterThanOrEqual(got[i]!.startSec);
    }
    for (const p of got) {
      const r = regions.find((x) => p.startSec >= x.startSec && p.startSec < x.endSec)!;
      if (p.endSec > r.startSec && got.at(-1) !== p) expect(p.endSec).toBeLessThanOrEqual(r.endSec);
    }
    expect(got.map((p) => p.text).join(' ')).toBe(words.join(' '));
  });

  it('leaves punctuated sentences as they are', () => {
    const text = ['One two three.', 'Four five six seven eight nine ten eleven twelve thirteen.'];
    const got = timeSentences(text, [
      { startSec: 0, endSec: 1 },
      { startSec: 2, endSec: 2.5 },
      { startSec: 3, endSec: 6 },
    ]);
    expect(got.map((p) => p.text)).toEqual(text);
  });

  it('needs speech regions for text, none for no text', () => {
    expect(timeSentences([], [])).toEqual([]);
    expect(() => timeSentences(['Hello.'], [{ startSec: 2, endSec: 2 }])).toThrow(RangeError);
  });
});
