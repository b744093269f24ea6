/**
 * IPC channel names and who may call them: everything the sandboxed preload needs, and nothing more. No schema
 * library and no payload shapes here (those are in ipc-contract.ts), so the preload bundle stays a few kilobytes;
 * preload/preload.test.ts checks the built bundle for it.
 */

/**
 * 'renderer': callable through window.api.invoke. 'preload': only the preload calls it, with data the renderer
 * cannot forge (paths of dropped files); window.api.invoke refuses it.
 */
export type Exposure = 'renderer' | 'preload';

export const INVOKE_EXPOSURE = {
  'app:getInfo': 'renderer',
  'engine:ping': 'renderer',
  'engine:listDevices': 'renderer',
  'settings:get': 'renderer',
  'settings:set': 'renderer',
  'dialog:openAudioFiles': 'renderer',
  'files:registerDropped': 'preload',
  'advisor:getReport': 'renderer',
  'advisor:evaluate': 'renderer',
  'dialog:openFolder': 'renderer',
  // recording (common/recording-schema.ts); the audio goes over a MessagePort, see RECORDING_PORT_CHANNEL
  'recording:capabilities': 'renderer',
  'recording:start': 'renderer',
  'recording:pause': 'renderer',
  'recording:resume': 'renderer',
  'recording:stop': 'renderer',
  'recording:status': 'renderer',
  'recording:recovered': 'renderer',
  'recording:resolveRecovered': 'renderer',
  'queue:get': 'renderer',
  'queue:add': 'renderer',
  'queue:control': 'renderer',
  'queue:move': 'renderer',
  'library:list': 'renderer',
  'library:get': 'renderer',
  'library:rename': 'renderer',
  'library:delete': 'renderer',
  'library:restore': 'renderer',
  'library:search': 'renderer',
  'library:saveSegments': 'renderer',
  'library:retranscribe': 'renderer',
  'library:export': 'renderer',
  'library:mediaUrl': 'renderer',
  // models: catalog, downloads, import (common/models-schema.ts)
  'models:get': 'renderer',
  'models:resolve': 'renderer',
  'models:download': 'renderer',
  'models:control': 'renderer',
  'models:use': 'renderer',
  'models:delete': 'renderer',
  'models:reveal': 'renderer',
  'models:import': 'renderer',
} as const satisfies Record<string, Exposure>;

export const EVENT_NAMES = [
  'engine:event',
  'settings:changed',
  'files:added',
  'app:navigate',
  'recording:status',
  'recording:shortcut',
  'queue:changed',
  'job:window',
  'library:changed',
  'models:changed',
] as const;

export type InvokeChannel = keyof typeof INVOKE_EXPOSURE;
export type RendererInvokeChannel = {
  [C in InvokeChannel]: (typeof INVOKE_EXPOSURE)[C] extends 'renderer' ? C : never;
}[InvokeChannel];
export type EventChannel = (typeof EVENT_NAMES)[number];

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.hasOwn(INVOKE_EXPOSURE, value);
}

export function isRendererInvokeChannel(value: unknown): value is RendererInvokeChannel {
  return isInvokeChannel(value) && INVOKE_EXPOSURE[value] === 'renderer';
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && (EVENT_NAMES as readonly string[]).includes(value);
}

/**
 * A recording's audio channel: the window posts `{ type: RECORDING_PORT_MESSAGE, id }` with a MessagePort to itself,
 * the preload forwards the port to main on this channel (ipcRenderer.postMessage), and main reads the chunks from it.
 */
export const RECORDING_PORT_CHANNEL = 'recording:port';
export const RECORDING_PORT_MESSAGE = 'rotorscribe:recording-port';

/** The key of the one object the preload exposes on window. */
export const API_KEY = 'api';
