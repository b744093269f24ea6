/**
 * The seam between the scheduler and whatever turns a window of audio into text. The native runtime gets an adapter
 * (main/engine/job/runtime-transcriber.ts); tests and the CLI's scripted mode use main/engine/scheduler/testkit.ts.
 */
import type { StopReason } from '../stop-reason';

export type { StopReason };

export interface WindowRequest {
  /** Checkpoint key; sub-windows of a split retry get `<id>.a` / `<id>.b`. */
  windowId: string;
  /** 16 kHz mono float PCM; longer than mtmd's 30 s chunk is fine (consecutive chunks of one sequence). */
  pcm: Float32Array;
  /** Where the window starts in the source, in seconds (for logs and scripted transcribers). */
  startSec: number;
  /** ISO 639-1 code; undefined = let the model detect it. */
  language?: string;
  /** Hard cap on generated tokens for this window (runaway guard). */
  maxTokens: number;
  /** 1 for the first try, 2.. for retries. */
  attempt: number;
  /** Retry knob: > 1 penalises tokens already generated in this window. Undefined = engine default (off). */
  repetitionPenalty?: number;
  /**
   * Tokens this window decoded (first attempt, same settings) before the job was interrupted: the transcriber
   * continues after them, and its result is the uninterrupted one (text and tokenCount include them).
   */
  prefixTokens?: readonly number[];
}

export interface WindowResult {
  text: string;
  tokenCount: number;
  stopReason: StopReason;
}

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** Text as it is decoded (live preview); pieces concatenate to the window's text. */
  onPiece?: (windowId: string, piece: string) => void;
  /** Token ids as they are decoded (a prefix given in the request is not reported again), for checkpoints. */
  onTokens?: (windowId: string, tokens: readonly number[]) => void;
}

export interface Transcriber {
  /** How many windows one call may carry (parallel sequences of one context; the memory budget decides). */
  readonly maxParallel: number;
  /**
   * Windows worth sending beyond maxParallel: a transcriber that queues them and prepares them (the log-mel
   * spectrogram) while its slots decode, so that a freed slot takes the next window at once. Absent: 0.
   */
  readonly queueAhead?: number;
  /** Results in the order of `windows`. A cancelled call resolves with stopReason 'cancelled' (or rejects CANCELLED). */
  transcribe(windows: WindowRequest[], opts?: TranscribeOptions): Promise<WindowResult[]>;
}
