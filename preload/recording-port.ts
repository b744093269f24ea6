import type { IpcRenderer } from 'electron';
import { RECORDING_PORT_CHANNEL, RECORDING_PORT_MESSAGE } from '@common/ipc-channels';

/** The part of a window 'message' event the forwarder reads (the preload is type-checked without the DOM lib). */
export interface PortMessageEvent {
  readonly source: unknown;
  readonly origin: string;
  readonly data: unknown;
  readonly ports: readonly unknown[];
}

/** The part of window the forwarder needs (a fake in tests). */
export interface PortWindow {
  readonly location: { readonly origin: string };
  addEventListener(type: 'message', listener: (event: PortMessageEvent) => void): void;
}

type Transfer = NonNullable<Parameters<IpcRenderer['postMessage']>[2]>;

/**
 * A recording's audio channel: contextBridge cannot carry a MessagePort, so the page posts one to its own window and
 * the preload hands it to main. Only our own page's message, naming a recording, with exactly one port, is forwarded;
 * main checks the sender and the recording id again.
 */
export function forwardRecordingPorts(win: PortWindow, ipcRenderer: Pick<IpcRenderer, 'postMessage'>): void {
  win.addEventListener('message', (event) => {
    if (event.source !== win || event.origin !== win.location.origin) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null) return;
    const { type, id } = data as { type?: unknown; id?: unknown };
    if (type !== RECORDING_PORT_MESSAGE || typeof id !== 'string' || id.length === 0 || id.length > 100)
      return;
    if (event.ports.length !== 1) return;
    ipcRenderer.postMessage(RECORDING_PORT_CHANNEL, { id }, [event.ports[0]] as Transfer);
  });
}
