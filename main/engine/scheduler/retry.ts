/**
 * Running windows through a transcriber with the loop guard: batches of up to maxParallel, retries with adjusted
 * settings for windows whose output looks like a loop/runaway, and the best attempt kept (and flagged) when every
 * attempt fails. Total work is bounded: ≤ maxAttempts tries per window, each capped at maxTokens. Only the kept
 * text's remaining problems are flagged (`loop`, `max_tokens`); how many tries it took is in `attempts`.
 */
import { RotorError } from '@common/errors';
import type { SegmentFlag } from '@common/transcript';
import { SAMPLE_RATE } from '@common/audio';
import { OUTPUT_BUDGET, type OutputBudget } from '@common/window-budget';
import {
  assessOutput,
  collapseRepeats,
  DEFAULT_QUALITY_LIMITS,
  maxTokensFor,
  type QualityLimits,
  type QualityReport,
} from './quality';
import { overlapWordBound, stitchSeam } from './stitch';
import { isLengthStop, type StopReason } from '../stop-reason';
import type { Transcriber, WindowRequest, WindowResult } from './transcriber';

export interface RetryConfig {
  maxAttempts: number;
  /** Repetition penalty used from the second attempt on. */
  repetitionPenalty: number;
  /** Last attempt splits the window in two (each half is decoded with a fresh context) when it is this long. */
  minSplitSec: number;
  splitOverlapSec: number;
  /** Output cap per window length (the context is sized for the default). */
  output: OutputBudget;
  limits: QualityLimits;
}

export const DEFAULT_RETRY_CONFIG: Readonly<RetryConfig> = Object.freeze({
  maxAttempts: 3,
  repetitionPenalty: 1.3,
  minSplitSec: 6,
  splitOverlapSec: 1,
  output: OUTPUT_BUDGET,
  limits: DEFAULT_QUALITY_LIMITS,
});

export interface PendingWindow {
  id: string;
  pcm: Float32Array;
  startSec: number;
  language?: string;
}

export interface AttemptRecord {
  attempt: number;
  kind: 'whole' | 'split';
  text: string;
  tokenCount: number;
  stopReason: StopReason;
  issues: QualityReport['issues'];
  badness: number;
}

export interface WindowOutcome {
  id: string;
  text: string;
  tokenCount: number;
  stopReason: StopReason;
  attempts: AttemptRecord[];
  flags: SegmentFlag[];
}

export interface RunWindowsOptions {
  signal?: AbortSignal;
  onPiece?: (windowId: string, piece: string) => void;
  onAttempt?: (windowId: string, record: AttemptRecord) => void;
}

type Plan = { kind: 'whole' | 'split'; maxTokensScale: number; repetitionPenalty?: number };

export function planAttempt(attempt: number, audioSec: number, cfg: RetryConfig): Plan {
  if (attempt === 1) return { kind: 'whole', maxTokensScale: 1 };
  const last = attempt === cfg.maxAttempts;
  if (last && audioSec >= cfg.minSplitSec) {
    return { kind: 'split', maxTokensScale: 1, repetitionPenalty: cfg.repetitionPenalty };
  }
  // Without a split, a later attempt also lowers the cap: a loop that survives the penalty costs less.
  return { kind: 'whole', maxTokensScale: last ? 0.75 : 1, repetitionPenalty: cfg.repetitionPenalty };
}

/** Split point: the quietest 20 ms frame in the middle third. */
export function splitPoint(pcm: Float32Array): number {
  const frame = Math.round(SAMPLE_RATE * 0.02);
  const lo = Math.floor(pcm.length / 3);
  const hi = Math.floor((2 * pcm.length) / 3);
  let best = Math.floor(pcm.length / 2);
  let bestE = Number.POSITIVE_INFINITY;
  for (let off = lo; off + frame <= hi; off += frame) {
    let e = 0;
    for (let i = off; i < off + frame; i++) e += pcm[i]! * pcm[i]!;
    if (e < bestE) {
      bestE = e;
      best = off + (frame >> 1);
    }
  }
  return best;
}

function throwIfCancelled(signal: AbortSignal | undefined, results: readonly WindowResult[] = []): void {
  if (signal?.aborted || results.some((r) => r.stopReason === 'cancelled')) throw new RotorError('CANCELLED');
}

async function runRequests(
  transcriber: Transcriber,
  requests: WindowRequest[],
  opts: RunWindowsOptions,
): Promise<Map<string, WindowResult>> {
  const out = new Map<string, WindowResult>();
  const step = Math.max(1, transcriber.maxParallel);
  for (let i = 0; i < requests.length; i += step) {
    throwIfCancelled(opts.signal);
    const batch = requests.slice(i, i + step);
    const results = await transcriber.transcribe(batch, { signal: opts.signal, onPiece: opts.onPiece });
    if (results.length !== batch.length) {
      throw new RotorError(
        'INTERNAL',
        `transcriber returned ${results.length} results for ${batch.length} windows`,
      );
    }
    throwIfCancelled(opts.signal, results);
    batch.forEach((req, j) => out.set(req.windowId, results[j]!));
  }
  return out;
}

export async function runWindows(
  transcriber: Transcriber,
  windows: readonly PendingWindow[],
  config: Partial<RetryConfig> = {},
  opts: RunWindowsOptions = {},
): Promise<WindowOutcome[]> {
  const cfg: RetryConfig = { ...DEFAULT_RETRY_CONFIG, ...config };
  const state = windows.map((w) => ({
    w,
    sec: w.pcm.length / SAMPLE_RATE,
    attempts: [] as AttemptRecord[],
    done: false,
  }));
  for (let attempt = 1; attempt <= cfg.maxAttempts; attempt++) {
    const todo = state.filter((s) => !s.done);
    if (todo.length === 0) break;
    const requests: WindowRequest[] = [];
    const plans = new Map<string, { plan: Plan; split?: number }>();
    for (const s of todo) {
      const plan = planAttempt(attempt, s.sec, cfg);
      const base = { language: s.w.language, attempt, repetitionPenalty: plan.repetitionPenalty };
      if (plan.kind === 'whole') {
        const maxTokens = Math.max(1, Math.floor(maxTokensFor(s.sec, cfg.output) * plan.maxTokensScale));
        requests.push({ ...base, windowId: s.w.id, pcm: s.w.pcm, startSec: s.w.startSec, maxTokens });
        plans.set(s.w.id, { plan });
      } else {
        const m = splitPoint(s.w.pcm);
        const ov = Math.min(Math.round(cfg.splitOverlapSec * SAMPLE_RATE), m);
        const a = s.w.pcm.subarray(0, m);
        const b = s.w.pcm.subarray(m - ov);
        const tok = (n: number) => maxTokensFor(n / SAMPLE_RATE, cfg.output);
        requests.push({
          ...base,
          windowId: `${s.w.id}.a`,
          pcm: a,
          startSec: s.w.startSec,
          maxTokens: tok(a.length),
        });
        requests.push({
          ...base,
          windowId: `${s.w.id}.b`,
          pcm: b,
          startSec: s.w.startSec + (m - ov) / SAMPLE_RATE,
          maxTokens: tok(b.length),
        });
        plans.set(s.w.id, { plan, split: ov });
      }
    }
    const results = await runRequests(transcriber, requests, opts);
    for (const s of todo) {
      const { plan, split } = plans.get(s.w.id)!;
      let result: WindowResult;
      if (plan.kind === 'whole') {
        result = results.get(s.w.id)!;
      } else {
        const ra = results.get(`${s.w.id}.a`)!;
        const rb = results.get(`${s.w.id}.b`)!;
        const seam = stitchSeam(ra.text, rb.text, overlapWordBound((split ?? 0) / SAMPLE_RATE));
        const stopReason: StopReason =
          isLengthStop(ra.stopReason) || isLengthStop(rb.stopReason) ? 'max_tokens' : 'eos';
        result = {
          text: [seam.left, seam.right].filter((t) => t.length > 0).join(' '),
          tokenCount: ra.tokenCount + rb.tokenCount,
          stopReason,
        };
      }
      const report = assessOutput(result, s.sec, cfg.limits);
      const record: AttemptRecord = {
        attempt,
        kind: plan.kind,
        text: result.text,
        tokenCount: result.tokenCount,
        stopReason: result.stopReason,
        issues: report.issues,
        badness: report.badness,
      };
      s.attempts.push(record);
      opts.onAttempt?.(s.w.id, record);
      if (report.ok) s.done = true;
    }
  }
  return state.map((s) => {
    const last = s.attempts.at(-1)!;
    const good = last.issues.length === 0 ? last : null;
    // Best = lowest badness; ties go to the earliest attempt (deterministic).
    const best = good ?? s.attempts.reduce((x, y) => (y.badness < x.badness ? y : x));
    // Flags say what is still suspect in the kept text. A retry whose output passed every check (ended on EOS, no
    // repeat, no runaway) is not: its attempts stay in the outcome (and the window record) for diagnostics only.
    const flags: SegmentFlag[] = [];
    if (!good) {
      if (best.issues.some((i) => i !== 'max_tokens')) flags.push('loop');
      if (isLengthStop(best.stopReason)) flags.push('max_tokens');
    }
    return {
      id: s.w.id,
      text: good ? best.text.trim() : collapseRepeats(best.text),
      tokenCount: best.tokenCount,
      stopReason: best.stopReason,
      attempts: s.attempts,
      flags,
    };
  });
}
