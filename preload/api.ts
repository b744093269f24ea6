import type { IpcRenderer, IpcRendererEvent, WebUtils } from 'electron';
import { toErrorPayload, RotorError } from '@common/errors';
// Names only: the schemas stay out of the sandboxed preload; main checks requests, the renderer client responses.
import { isEventChannel, isRendererInvokeChannel } from '@common/ipc-channels';
import type { IpcResult, RendererApi } from '@common/ipc-contract';

function refused(
  code: 'IPC_UNKNOWN_CHANNEL' | 'IPC_INVALID_PAYLOAD',
  detail: string,
): Promise<IpcResult<never>> {
  return Promise.resolve({ ok: false, error: toErrorPayload(new RotorError(code, undefined, { detail })) });
}

/**
 * Builds window.api from the channel list. Page code can reach only registered renderer channels, sees only event
 * payloads (never the IpcRendererEvent, which would expose `sender`), and cannot name file paths itself.
 */
export function createRendererApi(
  ipcRenderer: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>,
  webUtils: Pick<WebUtils, 'getPathForFile'>,
): RendererApi<File> {
  const api: RendererApi<File> = {
    invoke(channel, ...args) {
      if (!isRendererInvokeChannel(channel))
        return refused('IPC_UNKNOWN_CHANNEL', String(channel).slice(0, 100));
      return ipcRenderer.invoke(channel, args[0]);
    },

    on(event, listener) {
      if (!isEventChannel(event)) {
        throw new RotorError('IPC_UNKNOWN_CHANNEL', undefined, { detail: String(event).slice(0, 100) });
      }
      if (typeof listener !== 'function')
        throw new RotorError('IPC_INVALID_PAYLOAD', 'Listener must be a function.');
      const wrapped = (_event: IpcRendererEvent, payload: unknown): void =>
        (listener as (p: unknown) => void)(payload);
      ipcRenderer.on(event, wrapped);
      return () => void ipcRenderer.removeListener(event, wrapped);
    },

    registerDroppedFiles(files) {
      if (!Array.isArray(files)) return refused('IPC_INVALID_PAYLOAD', 'expected a list of files');
      const paths: string[] = [];
      for (const file of files) {
        // Empty for anything that is not a real file from the OS (e.g. a File built by page script).
        let p: string;
        try {
          p = webUtils.getPathForFile(file);
        } catch {
          p = '';
        }
        if (!p) return refused('IPC_INVALID_PAYLOAD', 'only files dropped from the computer can be added');
        paths.push(p);
      }
      return ipcRenderer.invoke('files:registerDropped', { paths });
    },
  };
  return Object.freeze(api);
}
