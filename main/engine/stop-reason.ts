/**
 * Why a window's generation stopped: the one type shared by the native runtime, the Transcriber seam, the retry
 * scheduler and the checkpoint log (a stored record carries it).
 */
export type StopReason = 'eos' | 'max_tokens' | 'context_full' | 'cancelled';

export const STOP_REASONS: readonly StopReason[] = ['eos', 'max_tokens', 'context_full', 'cancelled'];

/** The output hit a length limit rather than ending by itself: the scheduler treats both as a runaway. */
export function isLengthStop(reason: StopReason): boolean {
  return reason === 'max_tokens' || reason === 'context_full';
}
