/**
 * The one IPC contract between renderer, preload and main: channel names, payload types and their runtime validators.
 * Main validates every request with `request`; the preload refuses channels that are not listed here; the renderer
 * gets its types from here. Adding a channel = adding one entry below and one handler in main/app/ipc.ts.
 */
import { ERROR_CODES, type ErrorCode, type ErrorPayload } from './errors';
import { arrayOf, either, empty, num, object, oneOf, str, type Infer, type Validator } from './ipc-validate';
import { checkSettings, checkSettingsPatch } from './settings';
import { checkAdvisorReport, checkEvaluateRequest, checkEvaluateResult } from './advisor-validate';

export type { Settings, ThemePreference } from './settings';

// ---------------------------------------------------------------------------------------------------------------
// Payload shapes

const appInfo = object({
  name: str({ max: 100 }),
  version: str({ max: 50 }),
  platform: str({ max: 30 }),
  arch: str({ max: 30 }),
  versions: object({ electron: str({ max: 50 }), chrome: str({ max: 50 }), node: str({ max: 50 }) }),
});
export type AppInfo = Infer<typeof appInfo>;

const enginePingRequest = object({ echo: str({ max: 200 }) });
const enginePingResponse = object({
  echo: str({ max: 200 }),
  /** Process id of the engine worker that answered (changes after a restart). */
  pid: num({ min: 1, integer: true }),
  roundTripMs: num({ min: 0 }),
});
export type EnginePingRequest = Infer<typeof enginePingRequest>;
export type EnginePingResponse = Infer<typeof enginePingResponse>;

const engineDevice = object({
  id: str({ max: 100 }),
  kind: oneOf('cpu', 'gpu'),
  name: str({ max: 200 }),
  /** Memory the device can use, in bytes (system RAM for the CPU). */
  memoryBytes: num({ min: 0, integer: true }),
  threads: num({ min: 0, integer: true }),
});
export type EngineDevice = Infer<typeof engineDevice>;
const deviceList = object({ devices: arrayOf(engineDevice, { max: 64 }) });

/** A file main has checked and registered; the renderer only ever holds the opaque token, never a path. */
const fileRef = object({
  token: str({ min: 8, max: 100 }),
  name: str({ max: 1000 }),
  sizeBytes: num({ min: 0, integer: true }),
});
export type FileRef = Infer<typeof fileRef>;
const fileList = object({ files: arrayOf(fileRef, { max: 1000 }) });

/** Absolute paths resolved by the preload from dropped File objects (webUtils.getPathForFile). */
const droppedPaths = object({ paths: arrayOf(str({ min: 1, max: 4096 }), { max: 1000 }) });

export const ENGINE_STATES = ['starting', 'ready', 'restarting', 'stopped', 'failed'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

const engineStatusEvent = object(
  {
    kind: oneOf('status'),
    state: oneOf(...ENGINE_STATES),
    restarts: num({ min: 0, integer: true }),
  },
  { pid: num({ min: 1, integer: true }), message: str({ max: 2000 }) },
);
const engineProgressEvent = object(
  { kind: oneOf('progress'), jobId: str({ max: 100 }), fraction: num({ min: 0, max: 1 }) },
  { message: str({ max: 2000 }) },
);
const engineEvent = either(engineStatusEvent, engineProgressEvent);
export type EngineEvent = Infer<typeof engineEvent>;

export const APP_VIEWS = ['library', 'settings'] as const;
export type AppView = (typeof APP_VIEWS)[number];
const navigate = object({ view: oneOf(...APP_VIEWS) });

const errorPayload: Validator<ErrorPayload> = object(
  {
    code: (value: unknown, path = '') =>
      typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
        ? { ok: true as const, value: value as ErrorCode }
        : { ok: false as const, problem: `${path}: unknown error code` },
    message: str({ max: 4000 }),
  },
  { hint: str({ max: 4000 }), detail: str({ max: 20_000 }) },
);

// ---------------------------------------------------------------------------------------------------------------
// Channel registry

interface InvokeSpec {
  request: Validator<unknown>;
  response: Validator<unknown>;
  /**
   * 'renderer': callable through window.api.invoke. 'preload': only the preload calls it, with data the renderer
   * cannot forge (paths of dropped files); window.api.invoke refuses it.
   */
  exposure: 'renderer' | 'preload';
}

export const INVOKE_CHANNELS = {
  'app:getInfo': { request: empty, response: appInfo, exposure: 'renderer' },
  'engine:ping': { request: enginePingRequest, response: enginePingResponse, exposure: 'renderer' },
  'engine:listDevices': { request: empty, response: deviceList, exposure: 'renderer' },
  'settings:get': { request: empty, response: checkSettings, exposure: 'renderer' },
  'settings:set': { request: checkSettingsPatch, response: checkSettings, exposure: 'renderer' },
  'dialog:openAudioFiles': { request: empty, response: fileList, exposure: 'renderer' },
  'files:registerDropped': { request: droppedPaths, response: fileList, exposure: 'preload' },
  /** Hardware probe + recommendation + savings table (+ the last measured allocation). */
  'advisor:getReport': { request: empty, response: checkAdvisorReport, exposure: 'renderer' },
  /** The consequences of user overrides on top of the recommendation, computed before they are committed. */
  'advisor:evaluate': { request: checkEvaluateRequest, response: checkEvaluateResult, exposure: 'renderer' },
} as const satisfies Record<string, InvokeSpec>;

export const EVENT_CHANNELS = {
  'engine:event': engineEvent,
  'settings:changed': checkSettings,
  /** Files added from the app menu (File → Add files…). */
  'files:added': fileList,
  /** Menu navigation (e.g. Settings… / Preferences…). */
  'app:navigate': navigate,
} as const satisfies Record<string, Validator<unknown>>;

export type InvokeChannel = keyof typeof INVOKE_CHANNELS;
export type RendererInvokeChannel = {
  [C in InvokeChannel]: (typeof INVOKE_CHANNELS)[C]['exposure'] extends 'renderer' ? C : never;
}[InvokeChannel];
export type EventChannel = keyof typeof EVENT_CHANNELS;

export type RequestOf<C extends InvokeChannel> = Infer<(typeof INVOKE_CHANNELS)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = Infer<(typeof INVOKE_CHANNELS)[C]['response']>;
export type EventPayload<E extends EventChannel> = Infer<(typeof EVENT_CHANNELS)[E]>;

export function isInvokeChannel(value: unknown): value is InvokeChannel {
  return typeof value === 'string' && Object.hasOwn(INVOKE_CHANNELS, value);
}

export function isRendererInvokeChannel(value: unknown): value is RendererInvokeChannel {
  return isInvokeChannel(value) && INVOKE_CHANNELS[value].exposure === 'renderer';
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(EVENT_CHANNELS, value);
}

// ---------------------------------------------------------------------------------------------------------------
// What crosses the wire

/**
 * Every invoke resolves to this envelope. Electron turns a thrown error into a bare message string, and contextBridge
 * drops custom fields from Error objects, so typed errors travel as data and the renderer's ipc client re-throws.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export function checkIpcResult<T>(value: Validator<T>): Validator<IpcResult<T>> {
  const success = object({ ok: oneOf(true), value });
  const failure = object({ ok: oneOf(false), error: errorPayload });
  return either(success, failure) as Validator<IpcResult<T>>;
}

export const checkErrorPayload = errorPayload;

/** Optional-argument form for channels whose request is empty. */
export type InvokeArgs<C extends InvokeChannel> =
  RequestOf<C> extends Record<string, never> ? [request?: RequestOf<C>] : [request: RequestOf<C>];

/** The single object the preload exposes as `window.api`. */
export interface RendererApi<TFile = unknown> {
  invoke<C extends RendererInvokeChannel>(
    channel: C,
    ...args: InvokeArgs<C>
  ): Promise<IpcResult<ResponseOf<C>>>;
  /** Subscribes to a registered event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Registers files dropped on the window; paths are resolved inside the preload, never by page code. */
  registerDroppedFiles(files: readonly TFile[]): Promise<IpcResult<ResponseOf<'files:registerDropped'>>>;
}

export const API_KEY = 'api';
