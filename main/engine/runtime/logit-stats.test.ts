import { describe, expect, it } from 'vitest';
import { entropy, klDivergence, logSumExp, tokenProb, topK } from './logit-stats';

describe('logit statistics', () => {
  it('softmax pieces agree with direct formulas and survive large logits', () => {
    const row = [1, 2, 3, 0.5];
    const z = row.reduce((a, v) => a + Math.exp(v), 0);
    expect(logSumExp(row)).toBeCloseTo(Math.log(z), 12);
    expect(tokenProb(row, 2)).toBeCloseTo(Math.exp(3) / z, 12);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 9);
  });

  it('top-k is sorted, exact and ties break towards the lower id', () => {
    const row = Float32Array.from([0.1, 5, -2, 5, 3, 4.5]);
    expect(topK(row, 3).map((t) => t.token)).toEqual([1, 3, 5]);
    const probs = topK(row, 6).map((t) => t.prob);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('entropy: uniform = log n, one-hot → 0', () => {
    expect(entropy([0, 0, 0, 0])).toBeCloseTo(Math.log(4), 12);
    expect(entropy([0, -1e4, -1e4])).toBeCloseTo(0, 6);
  });

  it('KL divergence is zero for identical or shifted rows and positive otherwise', () => {
    const a = [1, 2, 3];
    expect(klDivergence(a, a)).toBe(0);
    expect(klDivergence(a, [11, 12, 13])).toBeCloseTo(0, 12);
    const p = [0.7, 0.2, 0.1];
    const q = [0.5, 0.3, 0.2];
    const expected = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]!), 0);
    expect(klDivergence(p.map(Math.log), q.map(Math.log))).toBeCloseTo(expected, 12);
    expect(() => klDivergence([1], [1, 2])).toThrow();
  });
});
