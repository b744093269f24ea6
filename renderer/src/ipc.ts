/**
 * The renderer's only door to main: a thin client over window.api that checks every answer and event against the
 * contract (main and renderer are built together, so a mismatch is drift worth a loud error) and turns error
 * envelopes back into RotorError. Components and stores import from here, never touch window.api directly.
 */
import { RotorError, fromErrorPayload } from '@common/errors';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  ipcResultSchema,
  type EventChannel,
  type EventPayload,
  type InvokeArgs,
  type InvokeChannel,
  type IpcResult,
  type RendererApi,
  type RendererInvokeChannel,
  type ResponseOf,
} from '@common/ipc-contract';
import { check } from '@common/schema';

function api(): RendererApi<File> {
  const value = window.api;
  if (!value) {
    throw new RotorError('INTERNAL', 'RotorScribe is not connected to its main process.', {
      hint: 'Open RotorScribe through the app, not in a web browser.',
    });
  }
  return value;
}

const resultSchemas = new Map<InvokeChannel, ReturnType<typeof ipcResultSchema>>();

/** The answer's value, after checking it is the envelope of this channel's response; error envelopes throw. */
function unwrap<C extends InvokeChannel>(channel: C, result: unknown): ResponseOf<C> {
  let schema = resultSchemas.get(channel);
  if (!schema) resultSchemas.set(channel, (schema = ipcResultSchema(INVOKE_CHANNELS[channel].response)));
  const checked = check(schema, result);
  if (!checked.ok) {
    throw new RotorError('IPC_INVALID_PAYLOAD', 'RotorScribe received a malformed answer.', {
      detail: `${channel}: ${checked.problem}`,
    });
  }
  const envelope = checked.value as IpcResult<ResponseOf<C>>;
  if (envelope.ok) return envelope.value;
  throw fromErrorPayload(envelope.error);
}

export async function invoke<C extends RendererInvokeChannel>(
  channel: C,
  ...args: InvokeArgs<C>
): Promise<ResponseOf<C>> {
  return unwrap(channel, await api().invoke(channel, ...args));
}

/** Subscribes to an event; a payload that does not match the contract is reported and never reaches `listener`. */
export function on<E extends EventChannel>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  const bridge = window.api;
  if (!bridge) return () => undefined;
  return bridge.on(event, (payload: unknown) => {
    const checked = check(EVENT_CHANNELS[event], payload);
    if (checked.ok) listener(checked.value as EventPayload<E>);
    else console.error(`dropped a malformed ${event} event: ${checked.problem}`);
  });
}

export async function registerDroppedFiles(
  files: readonly File[],
): Promise<ResponseOf<'files:registerDropped'>> {
  return unwrap('files:registerDropped', await api().registerDroppedFiles(files));
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
