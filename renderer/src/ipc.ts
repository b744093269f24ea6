/**
 * The renderer's only door to main: a thin client over window.api that turns error envelopes back into RotorError.
 * Components and stores import from here, never touch window.api directly.
 */
import { RotorError, fromErrorPayload } from '../../common/errors';
import type {
  EventChannel,
  EventPayload,
  InvokeArgs,
  IpcResult,
  RendererApi,
  RendererInvokeChannel,
  ResponseOf,
} from '../../common/ipc-contract';

function api(): RendererApi<File> {
  const value = window.api;
  if (!value) {
    throw new RotorError('INTERNAL', 'RotorScribe is not connected to its main process.', {
      hint: 'Open RotorScribe through the app, not in a web browser.',
    });
  }
  return value;
}

function unwrap<T>(result: IpcResult<T>): T {
  if (result.ok) return result.value;
  throw fromErrorPayload(result.error);
}

export async function invoke<C extends RendererInvokeChannel>(
  channel: C,
  ...args: InvokeArgs<C>
): Promise<ResponseOf<C>> {
  return unwrap(await api().invoke(channel, ...args));
}

export function on<E extends EventChannel>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  const bridge = window.api;
  if (!bridge) return () => undefined;
  return bridge.on(event, listener);
}

export async function registerDroppedFiles(
  files: readonly File[],
): Promise<ResponseOf<'files:registerDropped'>> {
  return unwrap(await api().registerDroppedFiles(files));
}

export function isConnected(): boolean {
  return window.api !== undefined;
}

/** A RotorError (or anything thrown) as text for the UI: message plus hint. */
export function describeError(error: unknown): { code: string; message: string; hint?: string } {
  if (error instanceof RotorError) {
    return error.hint
      ? { code: error.code, message: error.message, hint: error.hint }
      : { code: error.code, message: error.message };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
