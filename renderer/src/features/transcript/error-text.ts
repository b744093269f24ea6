import { RotorError } from '@common/errors';

/**
 * An adapter's rejection as one sentence for the UI: a RotorError's message and hint, or any error's message.
 * Local rather than ipc.ts's describeError: this feature reaches main only through its injected adapter.
 */
export function errorText(error: unknown): string {
  if (error instanceof RotorError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}
