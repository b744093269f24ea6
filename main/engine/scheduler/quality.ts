/**
 * Runaway / repetition-loop detection for one window's output. Random-weight models (and real ones on noise) loop;
 * these checks decide whether a window is retried, and collapse what is kept if every attempt looped.
 */
import { deflateRawSync } from 'node:zlib';
import { splitWords } from '@common/transcript';
import { OUTPUT_BUDGET, outputTokenCap, type OutputBudget } from '@common/window-budget';
import { isLengthStop, type StopReason } from '../stop-reason';

export type QualityIssue = 'max_tokens' | 'token_rate' | 'repeated_ngram' | 'compression';

export interface QualityLimits {
  /** Tokens per second of audio above which output is implausible (fast speech ≈ 4-6 Tekken tokens/s). */
  maxTokensPerSec: number;
  /** Slack in tokens for very short windows. */
  tokenSlack: number;
  /** An n-gram repeated back to back this many times is a loop (n ≥ 2)… */
  maxConsecutiveRepeats: number;
  /** …and a single word this many times. */
  maxConsecutiveWordRepeats: number;
  /** Deflate ratio (input / compressed) above which text is too repetitive (Whisper uses gzip 2.4). */
  maxCompressionRatio: number;
  /** Texts shorter than this are not judged by compression (headers dominate). */
  minCharsForCompression: number;
  /**
   * Longer texts are judged block by block (the worst block counts): minutes of natural text compress better than
   * a few sentences, so one ratio over a long window's text would flag honest speech and hide a loop in one part.
   */
  compressionBlockChars: number;
}

export const DEFAULT_QUALITY_LIMITS: Readonly<QualityLimits> = Object.freeze({
  maxTokensPerSec: 12,
  tokenSlack: 12,
  maxConsecutiveRepeats: 4,
  maxConsecutiveWordRepeats: 6,
  maxCompressionRatio: 2.6,
  minCharsForCompression: 120,
  compressionBlockChars: 1000,
});

export interface QualityReport {
  ok: boolean;
  issues: QualityIssue[];
  /** Lower is better; used to keep the best of several failed attempts. */
  badness: number;
  longestRepeat: { n: number; times: number };
  compressionRatio: number;
  tokensPerSec: number;
}

/**
 * Longest phrase (in words) a back-to-back repeat is looked for in: the trained model looped on an 11-word phrase
 * written 4 times (a 120 s window, bench/retries.ts), which a limit of 8 only caught through the compression ratio.
 */
export const MAX_REPEAT_WORDS = 16;

/** Longest back-to-back repetition of any n-gram (n ≤ maxN) in a word list. */
export function longestRepeat(
  words: readonly string[],
  maxN = MAX_REPEAT_WORDS,
): { n: number; times: number; at: number } {
  let best = { n: 1, times: words.length > 0 ? 1 : 0, at: 0 };
  for (let n = 1; n <= maxN; n++) {
    for (let start = 0; start + 2 * n <= words.length; start++) {
      let times = 1;
      while (start + (times + 1) * n <= words.length) {
        let same = true;
        for (let i = 0; i < n && same; i++) same = words[start + i] === words[start + times * n + i];
        if (!same) break;
        times++;
      }
      // Prefer more covered words; a 2-gram ×10 beats a 1-gram ×3.
      if (times > 1 && times * n > best.times * best.n) best = { n, times, at: start };
      if (times > 2) start += n * (times - 1) - 1;
    }
  }
  return best;
}

export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateRawSync(bytes, { level: 9 }).length;
}

/** Deflate ratio of the most repetitive block of about `blockChars` (the whole text up to twice that). */
export function worstBlockCompressionRatio(text: string, blockChars: number): number {
  if (text.length <= 2 * blockChars) return compressionRatio(text);
  let worst = 0;
  for (let at = 0; at < text.length; at += blockChars) {
    // the remainder joins the last block, so no block is shorter than blockChars
    const end = text.length - at < 2 * blockChars ? text.length : at + blockChars;
    worst = Math.max(worst, compressionRatio(text.slice(at, end)));
    if (end === text.length) break;
  }
  return worst;
}

function normalisedWords(text: string): string[] {
  return splitWords(text.toLowerCase().replace(/[^\p{L}\p{N}'\s]/gu, ' '));
}

export function assessOutput(
  result: { text: string; tokenCount: number; stopReason: StopReason },
  audioSec: number,
  limits: QualityLimits = DEFAULT_QUALITY_LIMITS,
): QualityReport {
  const issues: QualityIssue[] = [];
  const words = normalisedWords(result.text);
  const rep = longestRepeat(words);
  const ratio = worstBlockCompressionRatio(result.text, limits.compressionBlockChars);
  const tokensPerSec = audioSec > 0 ? result.tokenCount / audioSec : Number.POSITIVE_INFINITY;
  if (isLengthStop(result.stopReason)) issues.push('max_tokens');
  if (result.tokenCount > limits.tokenSlack + limits.maxTokensPerSec * audioSec) issues.push('token_rate');
  const repeatLimit = rep.n === 1 ? limits.maxConsecutiveWordRepeats : limits.maxConsecutiveRepeats;
  if (rep.times >= repeatLimit) issues.push('repeated_ngram');
  if (result.text.length >= limits.minCharsForCompression && ratio > limits.maxCompressionRatio) {
    issues.push('compression');
  }
  const badness =
    issues.length * 10 +
    Math.max(0, rep.times * rep.n - 2 * rep.n) / Math.max(1, words.length) +
    Math.max(0, ratio - 1) / 10;
  return {
    ok: issues.length === 0,
    issues,
    badness,
    longestRepeat: { n: rep.n, times: rep.times },
    compressionRatio: ratio,
    tokensPerSec,
  };
}

/**
 * Keep at most `keep` back-to-back copies of any repeated n-gram (n ≤ MAX_REPEAT_WORDS): what a flagged loop is reduced to, so
 * the transcript stays readable and the editor shows one flagged line instead of a wall of repeats.
 */
export function collapseRepeats(text: string, keep = 2, maxN = MAX_REPEAT_WORDS): string {
  const words = splitWords(text);
  const norm = words.map((w) => w.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''));
  const out: string[] = [];
  const outNorm: string[] = [];
  let i = 0;
  while (i < words.length) {
    let skipped = false;
    for (let n = 1; n <= maxN && !skipped; n++) {
      if (outNorm.length < keep * n) continue;
      // Would appending words[i..i+n) make keep+1 consecutive copies?
      let copies = true;
      for (let c = 1; c <= keep && copies; c++) {
        for (let j = 0; j < n && copies; j++) {
          copies = outNorm[outNorm.length - c * n + j] === norm[i + j];
        }
      }
      if (copies && i + n <= words.length) {
        i += n;
        skipped = true;
      }
    }
    if (!skipped) {
      out.push(words[i]!);
      outNorm.push(norm[i]!);
      i++;
    }
  }
  return out.join(' ');
}

/**
 * Output cap for a window: proportional to its length, so a looping model stops in bounded time. The budget is the
 * one the context is sized for (common/window-budget.ts); no fixed ceiling, since a window may hold 30 minutes.
 */
export function maxTokensFor(audioSec: number, budget: OutputBudget = OUTPUT_BUDGET): number {
  return outputTokenCap(audioSec, budget);
}
