import { describe, expect, it } from 'vitest';
import { assessOutput, collapseRepeats, compressionRatio, longestRepeat, maxTokensFor } from './quality';
import { SAMPLE_PASSAGE } from './testkit';

const tokens = (text: string) => Math.ceil(text.length / 4);

describe('loop detector', () => {
  it('passes real speech at a real rate', () => {
    for (let i = 0; i + 3 <= SAMPLE_PASSAGE.length; i += 3) {
      const text = SAMPLE_PASSAGE.slice(i, i + 3).join(' ');
      const sec = text.split(' ').length / 2.6;
      const r = assessOutput({ text, tokenCount: tokens(text), stopReason: 'eos' }, sec);
      expect(r.issues).toEqual([]);
    }
    // A speaker genuinely repeating a word a few times is not a loop.
    const r = assessOutput(
      { text: 'No, no, no, that is not what I said.', tokenCount: 12, stopReason: 'eos' },
      3,
    );
    expect(r.ok).toBe(true);
  });

  it('flags n-gram loops, runaway token rates, max_tokens and over-compressible text', () => {
    const loop = 'so the next step is ' + 'the migration of the '.repeat(6) + 'service';
    expect(assessOutput({ text: loop, tokenCount: tokens(loop), stopReason: 'eos' }, 20).issues).toContain(
      'repeated_ngram',
    );
    const words = 'okay '.repeat(7).trim();
    expect(assessOutput({ text: words, tokenCount: 7, stopReason: 'eos' }, 5).issues).toContain(
      'repeated_ngram',
    );
    const long = SAMPLE_PASSAGE.join(' ');
    expect(assessOutput({ text: long, tokenCount: tokens(long), stopReason: 'eos' }, 10).issues).toContain(
      'token_rate',
    );
    expect(assessOutput({ text: 'hello', tokenCount: 200, stopReason: 'max_tokens' }, 20).issues).toContain(
      'max_tokens',
    );
    // Random-weight style output: a few tokens cycling with slight variation.
    const cyc = Array.from({ length: 60 }, (_, i) => ['ka', 'lo', 'ka', 'lo', 'mi'][i % 5]).join('');
    const r = assessOutput({ text: cyc, tokenCount: 60, stopReason: 'eos' }, 20);
    expect(r.issues).toContain('compression');
    expect(compressionRatio(SAMPLE_PASSAGE.join(' '))).toBeLessThan(2.6);
  });

  it('treats a full context like the output cap (the one StopReason carries both)', () => {
    const r = assessOutput({ text: 'hello there', tokenCount: 3, stopReason: 'context_full' }, 20);
    expect(r.issues).toEqual(['max_tokens']);
    expect(assessOutput({ text: 'hello there', tokenCount: 3, stopReason: 'eos' }, 20).issues).toEqual([]);
  });

  it('ranks a worse loop as worse', () => {
    const mild = assessOutput(
      {
        text: 'a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(2),
        tokenCount: 40,
        stopReason: 'eos',
      },
      20,
    );
    const bad = assessOutput(
      { text: 'the end the end '.repeat(30), tokenCount: 200, stopReason: 'max_tokens' },
      20,
    );
    expect(bad.badness).toBeGreaterThan(mild.badness);
  });

  it('finds the longest back-to-back repetition', () => {
    expect(longestRepeat('a b c b c b c d'.split(' '))).toMatchObject({ n: 2, times: 3 });
    expect(longestRepeat('x y z'.split(' '))).toMatchObject({ times: 1 });
  });

  it('collapses a loop to two copies and leaves normal text alone', () => {
    expect(collapseRepeats('we will we will we will we will rock you')).toBe('we will we will rock you');
    expect(collapseRepeats('Thanks. Thanks. Thanks. Thanks.')).toBe('Thanks. Thanks.');
    const normal = SAMPLE_PASSAGE.slice(0, 4).join(' ');
    expect(collapseRepeats(normal)).toBe(normal);
  });

  it('caps output tokens in proportion to the window', () => {
    expect(maxTokensFor(10)).toBe(96);
    expect(maxTokensFor(28)).toBe(240);
    expect(maxTokensFor(1000)).toBe(512);
  });
});
