import { describe, expect, it } from 'vitest';
import type { Segment } from '@common/transcript';
import { paragraphs } from './paragraphs';

function seg(i: number, startSec: number, endSec: number, text: string, speaker?: string): Segment {
  return { id: `s${i}`, startSec, endSec, text, windowId: `w${i}`, ...(speaker ? { speaker } : {}) };
}

const ids = (segments: readonly Segment[]): string[][] =>
  paragraphs(segments).map((p) => p.segments.map((s) => s.id));

describe('paragraphs', () => {
  it('joins segments of one speaker with short pauses, and breaks at a pause over 2 s', () => {
    const segs = [
      seg(0, 0, 3, 'Good morning.'),
      seg(1, 3.5, 6, 'Let us start.'),
      seg(2, 8, 10, 'The budget first.'), // 2.0 s after: same paragraph
      seg(3, 12.1, 14, 'Any questions?'), // 2.1 s after: a new one
    ];
    expect(ids(segs)).toEqual([['s0', 's1', 's2'], ['s3']]);
    const [first] = paragraphs(segs);
    expect([first!.startSec, first!.endSec]).toEqual([0, 10]);
  });

  it('breaks where the speaker changes, and keeps the speaker on the paragraph', () => {
    const segs = [
      seg(0, 0, 2, 'Hello.', 'Ana'),
      seg(1, 2.2, 4, 'Hi Ana.', 'Ben'),
      seg(2, 4.1, 6, 'Shall we?', 'Ben'),
      seg(3, 6.2, 8, 'Yes.'),
    ];
    expect(ids(segs)).toEqual([['s0'], ['s1', 's2'], ['s3']]);
    expect(paragraphs(segs).map((p) => p.speaker)).toEqual(['Ana', 'Ben', undefined]);
  });

  it('ends a paragraph after a few sentences, or after many words of text without punctuation', () => {
    const two = (i: number) => seg(i, i * 3, i * 3 + 2.5, 'One thing. Another thing.');
    expect(ids([0, 1, 2, 3, 4].map(two))).toEqual([['s0', 's1'], ['s2', 's3'], ['s4']]);
    const words = (i: number) => seg(i, i * 10, i * 10 + 9.5, Array(30).fill('word').join(' '));
    expect(ids([0, 1, 2, 3].map(words))).toEqual([['s0', 's1', 's2'], ['s3']]);
  });

  it('leaves out empty segments and trims the text', () => {
    const segs = [seg(0, 0, 2, '  Hello.  '), seg(1, 2, 3, '   '), seg(2, 3, 4, 'Again.')];
    expect(paragraphs(segs).map((p) => p.segments.map((s) => s.text))).toEqual([['Hello.', 'Again.']]);
    expect(paragraphs([])).toEqual([]);
  });
});
