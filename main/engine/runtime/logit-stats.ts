/**
 * Statistics over next-token logit rows (VoxtralContext.evaluateLogits): probabilities, top-k, entropy and the
 * divergence between two runs of the same prompt (e.g. an f16 KV cache vs a compressed one). Pure arithmetic in
 * float64 with the log-sum-exp shift, so rows of 131072 logits do not overflow.
 */
export interface TokenProb {
  token: number;
  logit: number;
  prob: number;
}

export function logSumExp(row: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

export function logSoftmax(row: ArrayLike<number>): Float64Array {
  const lse = logSumExp(row);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! - lse;
  return out;
}

export function topK(row: ArrayLike<number>, k: number): TokenProb[] {
  const lse = logSumExp(row);
  const idx: number[] = [];
  for (let i = 0; i < row.length; i++) {
    if (idx.length < k) {
      idx.push(i);
      idx.sort((a, b) => row[b]! - row[a]! || a - b);
    } else if (row[i]! > row[idx[k - 1]!]!) {
      idx[k - 1] = i;
      idx.sort((a, b) => row[b]! - row[a]! || a - b);
    }
  }
  return idx.map((token) => ({ token, logit: row[token]!, prob: Math.exp(row[token]! - lse) }));
}

/** Shannon entropy of softmax(row), in nats. */
export function entropy(row: ArrayLike<number>): number {
  const lp = logSoftmax(row);
  let h = 0;
  for (let i = 0; i < lp.length; i++) if (lp[i]! > -Infinity) h -= Math.exp(lp[i]!) * lp[i]!;
  return h;
}

/** KL(P‖Q) in nats with P = softmax(reference), Q = softmax(actual). */
export function klDivergence(reference: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (reference.length !== actual.length)
    throw new Error(`rows differ in length: ${reference.length} vs ${actual.length}`);
  const p = logSoftmax(reference);
  const q = logSoftmax(actual);
  let kl = 0;
  for (let i = 0; i < p.length; i++) kl += Math.exp(p[i]!) * (p[i]! - q[i]!);
  return Math.max(0, kl);
}

/** Probability the actual row gives to `token` (e.g. the reference's greedy choice). */
export function tokenProb(row: ArrayLike<number>, token: number): number {
  return Math.exp(row[token]! - logSumExp(row));
}
