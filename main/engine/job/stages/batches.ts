/**
 * The transcriber stage: windows (the job runner sends them one at a time through window-pool.ts, as the runtime's
 * slots free) run through the scheduler's loop guard and retries, and turned into log records.
 */
import { samplesToSec } from '@common/audio';
import type { WindowRecord } from '../../checkpoints/store';
import type { CutWindow } from '../../scheduler/cutter';
import { runWindows, type AttemptRecord, type RetryConfig } from '../../scheduler/retry';
import type { Transcriber } from '../../scheduler/transcriber';
import { shortenPauses } from '../pauses';
import type { TokenCheckpointer } from './token-checkpoints';

export interface TranscribeBatchOptions {
  transcriber: Transcriber;
  /** Saves each window's tokens while it decodes and resumes windows from saved ones. */
  tokens?: TokenCheckpointer;
  retry: Partial<Omit<RetryConfig, 'limits'>> | undefined;
  language: string | undefined;
  /** Windows decoded at once (the runtime's slots), recorded with each window so a resume keeps it. */
  batchSize: number;
  /** Pauses inside a window longer than this reach the model shortened to it (pauses.ts); absent: sent as they are. */
  maxPauseSec?: number | undefined;
  signal: AbortSignal;
  onPiece(windowId: string, text: string): void;
  onAttempt(windowId: string, attempt: AttemptRecord): void;
}

/** Flagged: the kept text still looked like a loop or ran into the output cap after every retry. */
export function isFlagged(record: Pick<WindowRecord, 'flags'>): boolean {
  return record.flags.includes('loop') || record.flags.includes('max_tokens');
}

export async function transcribeBatch(
  batch: readonly CutWindow[],
  opts: TranscribeBatchOptions,
): Promise<WindowRecord[]> {
  const transcriber = opts.tokens
    ? opts.tokens.wrap(opts.transcriber, new Set(batch.map((w) => w.id)))
    : opts.transcriber;
  const outcomes = await runWindows(
    transcriber,
    batch.map((w) => ({
      id: w.id,
      pcm:
        opts.maxPauseSec === undefined
          ? w.pcm
          : shortenPauses(w.pcm, w.startSample, w.speechRegions, opts.maxPauseSec),
      startSec: samplesToSec(w.startSample),
      ...(opts.language ? { language: opts.language } : {}),
    })),
    opts.retry,
    { signal: opts.signal, onPiece: opts.onPiece, onAttempt: opts.onAttempt },
  );
  return batch.map((w, i) => {
    const o = outcomes[i]!;
    return {
      type: 'window',
      windowId: w.id,
      index: w.index,
      startSample: w.startSample,
      endSample: w.endSample,
      speechStartSample: w.speechStartSample,
      speechEndSample: w.speechEndSample,
      hardStart: w.hardStart,
      hardEnd: w.hardEnd,
      overlapSamples: w.overlapSamples,
      speechRegions: w.speechRegions,
      text: o.text,
      tokenCount: o.tokenCount,
      stopReason: o.stopReason,
      attempts: o.attempts.length,
      flags: o.flags,
      ...(opts.language ? { language: opts.language } : {}),
      batch: opts.batchSize,
    };
  });
}
