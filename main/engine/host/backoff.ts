export interface BackoffOptions {
  initialMs: number;
  factor: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, factor: 2, maxMs: 15_000 };

/** Delay before restart number `attempt` (1-based) of a run of consecutive crashes. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(options.maxMs, options.initialMs * options.factor ** (n - 1));
}
