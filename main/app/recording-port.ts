/**
 * The main end of a recording's audio channel: Electron's ipcMain 'recording:port' message carries one
 * MessagePortMain from the preload. The sender is checked like every IPC call, the payload names a running
 * recording, and anything else closes the port. Electron-free (index.ts adapts MessagePortMain; the harness its own).
 */
import { RECORDING_PORT_CHANNEL } from '@common/ipc-channels';
import { check, object, str } from '@common/schema';
import type { ChunkPort } from '../recording/service';
import type { InvokeEventLike } from './security';

export interface PortEventLike extends InvokeEventLike {
  ports: readonly ChunkPort[];
}

export interface RecordingPortDeps {
  isTrustedSender: (event: InvokeEventLike) => boolean;
  attachPort: (id: string, port: ChunkPort) => void;
  logError?: (context: string, error: unknown) => void;
}

const payloadSchema = object({ id: str({ min: 1, max: 100 }) });

/** Returns whether the port was taken; a refused one is closed so the window sees the channel end. */
export function acceptRecordingPort(
  event: PortEventLike,
  payload: unknown,
  deps: RecordingPortDeps,
): boolean {
  const checked = check(payloadSchema, payload);
  const port = event.ports.length === 1 ? event.ports[0] : undefined;
  if (!port || !checked.ok || !deps.isTrustedSender(event)) {
    for (const p of event.ports) p.close();
    return false;
  }
  try {
    deps.attachPort(checked.value.id, port);
    return true;
  } catch (error) {
    deps.logError?.(RECORDING_PORT_CHANNEL, error);
    port.close();
    return false;
  }
}

/** The part of Electron's MessagePortMain used here. */
export interface MessagePortMainLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

export function chunkPortOf(port: MessagePortMainLike): ChunkPort {
  return {
    onMessage: (listener) => void port.on('message', (e) => listener(e.data)),
    onClose: (listener) => void port.on('close', listener),
    start: () => port.start(),
    close: () => port.close(),
  };
}
