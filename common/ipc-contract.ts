/**
 * How to add an IPC channel: name it in ipc-channels.ts (INVOKE_EXPOSURE or EVENT_NAMES: all the preload sees), give
 * it schemas here (INVOKE_SCHEMAS or EVENT_CHANNELS, built from schema.ts: `object`, `str`/`list` with a max, `num`),
 * and a handler in main/app/ipc.ts; the compiler refuses a channel missing from any of them. Types come from the
 * schemas (RequestOf, ResponseOf, EventPayload, v.InferOutput): never hand-write an interface for a payload.
 *
 * The one IPC contract: main checks every request and outgoing event against it, the renderer client every answer
 * and event it receives; the sandboxed preload imports only ipc-channels.ts, so no validator code ships there.
 */
import * as v from 'valibot';
import type { ErrorPayload } from './errors';
import { errorPayloadSchema } from './error-schema';
import { advisorReportSchema, evaluateRequestSchema, evaluateResultSchema } from './advisor-types';
import {
  INVOKE_EXPOSURE,
  type EventChannel,
  type InvokeChannel,
  type RendererInvokeChannel,
} from './ipc-channels';
import { LIBRARY_EVENTS, LIBRARY_SCHEMAS } from './library-schema';
import { MODELS_EVENTS, MODELS_SCHEMAS } from './models-schema';
import { RECORDING_EVENTS, RECORDING_SCHEMAS } from './recording-schema';
import { empty, list, num, object, str, type Schema } from './schema';
import { settingsPatchSchema, settingsSchema } from './settings';

export { errorPayloadSchema } from './error-schema';
export {
  API_KEY,
  isEventChannel,
  isInvokeChannel,
  isRendererInvokeChannel,
  type EventChannel,
  type InvokeChannel,
  type RendererInvokeChannel,
} from './ipc-channels';
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
export type AppInfo = v.InferOutput<typeof appInfo>;

const enginePingRequest = object({ echo: str({ max: 200 }) });
const enginePingResponse = object({
  echo: str({ max: 200 }),
  /** Process id of the engine worker that answered (changes after a restart). */
  pid: num({ min: 1, integer: true }),
  roundTripMs: num({ min: 0 }),
});
export type EnginePingRequest = v.InferOutput<typeof enginePingRequest>;
export type EnginePingResponse = v.InferOutput<typeof enginePingResponse>;

const engineDevice = object({
  id: str({ max: 100 }),
  kind: v.picklist(['cpu', 'gpu']),
  name: str({ max: 200 }),
  /** Memory the device can use, in bytes (system RAM for the CPU). */
  memoryBytes: num({ min: 0, integer: true }),
  threads: num({ min: 0, integer: true }),
});
export type EngineDevice = v.InferOutput<typeof engineDevice>;
const deviceList = object({ devices: list(engineDevice, { max: 64 }) });

/** A file main has checked and registered; the renderer only ever holds the opaque token, never a path. */
const fileRef = object({
  token: str({ min: 8, max: 100 }),
  name: str({ max: 1000 }),
  sizeBytes: num({ min: 0, integer: true }),
});
export type FileRef = v.InferOutput<typeof fileRef>;
/** A picked or dropped path that could not be added (gone since, unreadable, a device), by name: the others were. */
const skippedFile = object({ name: str({ max: 1000 }), reason: str({ max: 300 }) });
export type SkippedFile = v.InferOutput<typeof skippedFile>;
const fileList = object({
  files: list(fileRef, { max: 1000 }),
  skipped: v.optional(list(skippedFile, { max: 1000 })),
});

/** Absolute paths resolved by the preload from dropped File objects (webUtils.getPathForFile). */
const droppedPaths = object({ paths: list(str({ min: 1, max: 4096 }), { max: 1000 }) });

export const ENGINE_STATES = ['starting', 'ready', 'restarting', 'stopped', 'failed'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

const engineEvent = v.variant('kind', [
  object({
    kind: v.literal('status'),
    state: v.picklist(ENGINE_STATES),
    restarts: num({ min: 0, integer: true }),
    pid: v.optional(num({ min: 1, integer: true })),
    message: v.optional(str({ max: 2000 })),
  }),
  object({
    kind: v.literal('progress'),
    jobId: str({ max: 100 }),
    fraction: num({ min: 0, max: 1 }),
    message: v.optional(str({ max: 2000 })),
  }),
]);
export type EngineEvent = v.InferOutput<typeof engineEvent>;

/** Views the app menu can open (the transcript view needs a transcript, so only the window opens it). */
export const APP_VIEWS = ['transcribe', 'library', 'settings'] as const;
export type AppView = (typeof APP_VIEWS)[number];
const navigate = object({ view: v.picklist(APP_VIEWS) });

// ---------------------------------------------------------------------------------------------------------------
// Channel registry

interface InvokeSchemas {
  request: Schema;
  response: Schema;
}

const INVOKE_SCHEMAS = {
  'app:getInfo': { request: empty, response: appInfo },
  'engine:ping': { request: enginePingRequest, response: enginePingResponse },
  'engine:listDevices': { request: empty, response: deviceList },
  'settings:get': { request: empty, response: settingsSchema },
  'settings:set': { request: settingsPatchSchema, response: settingsSchema },
  'dialog:openAudioFiles': { request: empty, response: fileList },
  /** A folder: its audio and video files are added when it is queued. */
  'dialog:openFolder': { request: empty, response: fileList },
  'files:registerDropped': { request: droppedPaths, response: fileList },
  /** Hardware probe + recommendation + savings table (+ the last measured allocation). */
  'advisor:getReport': { request: empty, response: advisorReportSchema },
  /** The consequences of user overrides on top of the recommendation, computed before they are committed. */
  'advisor:evaluate': { request: evaluateRequestSchema, response: evaluateResultSchema },
  // recording (issue 22)
  ...RECORDING_SCHEMAS,
  ...LIBRARY_SCHEMAS,
  ...MODELS_SCHEMAS,
} as const satisfies { [C in InvokeChannel]: InvokeSchemas };

type InvokeSpecs = {
  [C in InvokeChannel]: (typeof INVOKE_SCHEMAS)[C] & { exposure: (typeof INVOKE_EXPOSURE)[C] };
};

/** Channel name → { request schema, response schema, exposure }: what main registers and checks. */
export const INVOKE_CHANNELS: InvokeSpecs = Object.fromEntries(
  Object.entries(INVOKE_SCHEMAS).map(([name, spec]) => [
    name,
    { ...spec, exposure: INVOKE_EXPOSURE[name as InvokeChannel] },
  ]),
) as InvokeSpecs;

export const EVENT_CHANNELS = {
  'engine:event': engineEvent,
  'settings:changed': settingsSchema,
  /** Files added from the app menu (File → Add files…). */
  'files:added': fileList,
  /** Menu navigation (e.g. Settings… / Preferences…). */
  'app:navigate': navigate,
  // recording (issue 22)
  ...RECORDING_EVENTS,
  ...LIBRARY_EVENTS,
  ...MODELS_EVENTS,
} as const satisfies { [E in EventChannel]: Schema };

export type RequestOf<C extends InvokeChannel> = v.InferOutput<(typeof INVOKE_SCHEMAS)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = v.InferOutput<(typeof INVOKE_SCHEMAS)[C]['response']>;
export type EventPayload<E extends EventChannel> = v.InferOutput<(typeof EVENT_CHANNELS)[E]>;

// ---------------------------------------------------------------------------------------------------------------
// What crosses the wire

/**
 * Every invoke resolves to this envelope. Electron turns a thrown error into a bare message string, and contextBridge
 * drops custom fields from Error objects, so typed errors travel as data and the renderer's ipc client re-throws.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

/** The envelope schema around one channel's response. */
export function ipcResultSchema<S extends Schema>(value: S) {
  return v.variant('ok', [
    object({ ok: v.literal(true), value }),
    object({ ok: v.literal(false), error: errorPayloadSchema }),
  ]);
}

/**
 * The argument may be left out exactly where the request schema accepts `undefined` (as `empty` does), so a call
 * without one type-checks only if main will accept it.
 */
export type InvokeArgs<C extends InvokeChannel> =
  undefined extends v.InferInput<(typeof INVOKE_SCHEMAS)[C]['request']>
    ? [request?: RequestOf<C>]
    : [request: RequestOf<C>];

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
