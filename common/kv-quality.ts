/**
 * KV cache quality as measured on trained weights (issue 20): the one place the measured figures live, with their
 * source, so the advisor's order of K/V pairs (main/advisor/recommend.ts) and the settings panel's quality column
 * come from the same numbers. Pure data and pure functions; refresh the figures from a new `npm run bench:wer` run
 * (training/README.md has the full table and how to read it).
 *
 * Random-weight models say nothing here: their attention is near flat, so every cache looks alike. The small Voxtral
 * trained in training/ has Voxtral's attention layout (4 KV heads of head_dim 128, RotorQuant's block = one head),
 * so its next-token distributions do move with the cache.
 */
import { bitsPerValue, type KvCacheType } from './kv-cache-types';

export interface KvPair {
  k: KvCacheType;
  v: KvCacheType;
}

export interface MeasuredKvQuality extends KvPair {
  /** Mean KL divergence of the next-token distribution from the f16 cache's (f16's transcripts forced). */
  kl: number;
  /** Share of positions whose most likely token is f16's. */
  top1: number;
  /**
   * Pooled WER through the job pipeline (held-out recording + two-voice meeting), 0..1; absent for a pair whose
   * pipeline run the source did not include (its KL and top-1 still were).
   */
  wer?: number;
  /** WER minus the f16 cache's WER in the same run, in percentage points (absent with `wer`). */
  werDeltaPoints?: number;
}

export const KV_QUALITY_SOURCE = {
  command: 'npm run bench:wer',
  date: '2026-12-02',
  model:
    'fixtures/trained voxtral-small-q8_0.gguf, stage 3 (15.4 M parameters, Voxtral layout, held-out WER 5.1 % per window in HF)',
  conditions:
    'KL over f16 transcripts of 4 held-out windows (360 positions), every pair (--parts kl); WER through the job pipeline (VAD, 28 s windows × 2, stitching) on a 3.3 min held-out recording and a 4 min two-voice meeting (1414 words) for every pair (--pairs iso4:iso4,iso3:iso3 --parts pipeline,meeting, then the other six pairs with f16 again in a second run: f16 reproduced 7.71 %); CPU, 2 threads, flash attention',
  /** Why the order follows KL and not WER. */
  note: 'KL and top-1 repeat to four digits between runs (greedy decoding on a fixed thread count is deterministic); WER counts whole-word forks of a greedy transcript, so a pair can gain or lose a few points on 1,414 words by where its first changed token falls; the order follows KL.',
} as const;

/** bench:wer, KV_QUALITY_SOURCE (training/README.md has the table). f16 is the reference (0 by definition). */
export const MEASURED_KV_QUALITY: readonly MeasuredKvQuality[] = [
  { k: 'f16', v: 'f16', kl: 0, top1: 1, wer: 0.0771, werDeltaPoints: 0 },
  { k: 'q8_0', v: 'q8_0', kl: 3.376e-4, top1: 1, wer: 0.0778, werDeltaPoints: 0.07 },
  { k: 'q8_0', v: 'iso3', kl: 8.516e-3, top1: 0.9833, wer: 0.0672, werDeltaPoints: -0.99 },
  { k: 'iso4', v: 'iso4', kl: 1.974e-2, top1: 0.975, wer: 0.0849, werDeltaPoints: 0.78 },
  { k: 'iso4', v: 'iso3', kl: 3.468e-2, top1: 0.975, wer: 0.0962, werDeltaPoints: 1.91 },
  { k: 'q4_0', v: 'q4_0', kl: 5.167e-2, top1: 0.9333, wer: 0.0891, werDeltaPoints: 1.2 },
  { k: 'planar3', v: 'planar3', kl: 7.393e-2, top1: 0.925, wer: 0.0792, werDeltaPoints: 0.21 },
  { k: 'iso3', v: 'iso3', kl: 1.465e-1, top1: 0.9389, wer: 0.0941, werDeltaPoints: 1.7 },
  { k: 'iso3', v: 'iso4', kl: 2.004e-1, top1: 0.9528, wer: 0.0863, werDeltaPoints: 0.92 },
];

/**
 * Pairs offered without a measurement, each placed right after the measured pair it is assumed to be no better
 * than: planar4 is iso4's bit budget with planar's 2-D rotation; planar3 measured between q4_0 and iso3 on the
 * stage-3 model (worse than iso3 on the stage-2 one), so planar4 is not assumed better than q4_0.
 */
const UNMEASURED: readonly { pair: KvPair; after: KvPair }[] = [
  { pair: { k: 'planar4', v: 'planar4' }, after: { k: 'q4_0', v: 'q4_0' } },
];

export function samePair(a: KvPair, b: KvPair): boolean {
  return a.k === b.k && a.v === b.v;
}

export function pairLabel(p: KvPair): string {
  return p.k === p.v ? p.k : `${p.k}/${p.v}`;
}

export function measuredKvQuality(p: KvPair): MeasuredKvQuality | undefined {
  return MEASURED_KV_QUALITY.find((m) => samePair(m, p));
}

function ladder(): KvPair[] {
  const out: KvPair[] = [...MEASURED_KV_QUALITY].sort((a, b) => a.kl - b.kl).map(({ k, v }) => ({ k, v }));
  for (const u of UNMEASURED) {
    const at = out.findIndex((p) => samePair(p, u.after));
    out.splice(at < 0 ? out.length : at + 1, 0, u.pair);
  }
  return out;
}

/** Every K/V pair the advisor may choose, best first: measured ones by KL from f16, the unmeasured where placed. */
export const KV_PAIR_LADDER: readonly KvPair[] = ladder();

/**
 * Pairs of lower quality than the worst 4-bit upstream cache (q4_0): the advisor accepts them only with the smallest
 * weights, never to make room for bigger weights. Measured pairs are judged by their KL, unmeasured ones by bits.
 */
export function belowFourBitQuality(p: KvPair): boolean {
  const q4 = measuredKvQuality({ k: 'q4_0', v: 'q4_0' });
  const m = measuredKvQuality(p);
  if (m && q4) return m.kl > q4.kl;
  return bitsPerValue(p.k) < 4 || bitsPerValue(p.v) < 4;
}
