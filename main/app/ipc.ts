/**
 * IPC registration: one handler per contract channel, each behind the same gate (trusted sender, valid payload),
 * and the check every outgoing event passes. Takes Electron objects as parameters so tests and the e2e harness drive
 * it with fakes in plain Node.
 */
import { RotorError, toErrorPayload } from '@common/errors';
import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  isInvokeChannel,
  type AppInfo,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '@common/ipc-contract';
import type { QueueAction, QueueJob, QueueSnapshot, TimeRange } from '@common/library-schema';
import { check, type Checked } from '@common/schema';
import type { Settings } from '@common/settings';
import type { AdvisorService } from '../advisor/service';
import type { EngineHost } from '../engine/host/engine-host';
import type { FileRegistry } from './file-registry';
import type { RecordingCapabilities } from '@common/recording-schema';
import type { RecordingService } from '../recording/service';
import type { LibraryService } from './library-service';
import type { ModelsService } from './models-service';
import type { InvokeEventLike } from './security';
import type { SettingsStore } from './settings-store';

/** The part of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcDeps {
  isTrustedSender: (event: InvokeEventLike) => boolean;
  appInfo: () => AppInfo;
  engine: Pick<EngineHost, 'request'>;
  settings: SettingsStore;
  files: FileRegistry;
  /** Shows the native open dialog for the sender's window; resolves to the chosen absolute paths ([] if cancelled). */
  showOpenAudioDialog: (event: InvokeEventLike) => Promise<string[]>;
  /** The same for one folder (its media files are queued). */
  showOpenFolderDialog?: (event: InvokeEventLike) => Promise<string[]>;
  /** The persistent transcription queue (main/app/jobs). */
  queue?: QueueIpc;
  library?: LibraryService;
  /** Model catalog, downloads and import (main/app/models-service.ts). */
  models?: ModelsService;
  onSettingsChanged?: (settings: Settings) => void;
  /** Recording (main/recording/service.ts) and what this platform can capture. */
  recording?: RecordingIpc;
  /** Hardware probe and memory advisor (settings panel). */
  advisor?: Pick<AdvisorService, 'getReport' | 'evaluate'>;
  /** Where unexpected (non-RotorError) failures are reported; the renderer only sees a generic INTERNAL error. */
  logError?: (channel: string, error: unknown) => void;
}

/** What the window may ask of the job queue; paths come from the file registry's tokens, never from the renderer. */
export interface QueueIpc {
  snapshot(): QueueSnapshot;
  add(paths: readonly string[]): Promise<QueueSnapshot>;
  control(id: string, action: QueueAction): Promise<QueueSnapshot>;
  move(id: string, index: number): QueueSnapshot;
  /** Queues a re-transcription of part of a transcript (main/app/jobs/job-service.ts: retranscribe). */
  retranscribe(transcriptId: string, range: TimeRange): Promise<QueueJob>;
}

export type RecordingIpc = Pick<
  RecordingService,
  'start' | 'pause' | 'resume' | 'stop' | 'status' | 'recovered' | 'resolveRecovered'
> & { capabilities(): RecordingCapabilities };

type Handlers = {
  [C in InvokeChannel]: (
    request: RequestOf<C>,
    event: InvokeEventLike,
  ) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

function advisor(deps: IpcDeps): NonNullable<IpcDeps['advisor']> {
  if (!deps.advisor) throw new RotorError('INTERNAL', 'The memory advisor is not available.');
  return deps.advisor;
}

function required<K extends 'queue' | 'library' | 'showOpenFolderDialog' | 'recording' | 'models'>(
  deps: IpcDeps,
  key: K,
): NonNullable<IpcDeps[K]> {
  const value = deps[key];
  if (!value) throw new RotorError('INTERNAL', `The ${key} service is not available.`);
  return value as NonNullable<IpcDeps[K]>;
}

function makeHandlers(deps: IpcDeps): Handlers {
  const queue = (): QueueIpc => required(deps, 'queue');
  const library = (): LibraryService => required(deps, 'library');
  const models = (): ModelsService => required(deps, 'models');
  const recording = (): RecordingIpc => required(deps, 'recording');
  return {
    'app:getInfo': () => deps.appInfo(),
    'engine:ping': async ({ echo }) => {
      const started = performance.now();
      const reply = await deps.engine.request('ping', { echo });
      return { echo: reply.echo, pid: reply.pid, roundTripMs: performance.now() - started };
    },
    'engine:listDevices': async () => {
      // the renderer's contract names exactly these fields; ggml's extra view stays in main
      const { devices } = await deps.engine.request('listDevices', {});
      return {
        devices: devices.map(({ id, kind, name, memoryBytes, threads }) => ({
          id,
          kind,
          name,
          memoryBytes,
          threads,
        })),
      };
    },
    'settings:get': () => deps.settings.get(),
    'settings:set': async (patch) => {
      const next = await deps.settings.update(patch);
      deps.onSettingsChanged?.(next);
      return next;
    },
    'dialog:openAudioFiles': async (_request, event) => {
      const paths = await deps.showOpenAudioDialog(event);
      return deps.files.register(paths);
    },
    'files:registerDropped': ({ paths }) => deps.files.register(paths),
    'advisor:getReport': () => advisor(deps).getReport(),
    'advisor:evaluate': ({ overrides }) => advisor(deps).evaluate(overrides),
    'dialog:openFolder': async (_request, event) => {
      const paths = await required(deps, 'showOpenFolderDialog')(event);
      return deps.files.register(paths);
    },
    'recording:capabilities': () => recording().capabilities(),
    'recording:start': (request) => recording().start(request),
    'recording:pause': ({ id }) => recording().pause(id),
    'recording:resume': ({ id }) => recording().resume(id),
    'recording:stop': ({ id }) => recording().stop(id),
    'recording:status': () => recording().status(),
    'recording:recovered': async () => ({ recordings: await recording().recovered() }),
    'recording:resolveRecovered': async ({ id, action }) => ({
      recordings: await recording().resolveRecovered(id, action),
    }),
    'queue:get': () => queue().snapshot(),
    'queue:add': ({ tokens }) => queue().add(tokens.map((t) => deps.files.pathOf(t))),
    'queue:control': ({ id, action }) => queue().control(id, action),
    'queue:move': ({ id, index }) => queue().move(id, index),
    'library:list': (options) => library().list(options),
    'library:get': ({ id }) => library().get(id),
    'library:rename': ({ id, title }) => library().rename(id, title),
    'library:delete': ({ id }) => {
      library().remove(id);
      return {};
    },
    'library:restore': ({ id }) => library().restore(id),
    'library:search': ({ query, limit }) => ({ hits: library().search(query, limit) }),
    'library:saveSegments': ({ id, segments }) => library().saveSegments(id, segments),
    'library:retranscribe': async ({ id, startSec, endSec }) => ({
      job: await queue().retranscribe(id, { startSec, endSec }),
    }),
    'library:export': ({ id, format }, event) => library().exportTo(event, id, format),
    'library:mediaUrl': ({ id }) => library().mediaUrl(id),
    'models:get': () => models().state(),
    'models:resolve': ({ id }) => models().resolve(id),
    'models:download': ({ id }) => models().download(id),
    'models:control': ({ action }) => models().control(action),
    'models:use': ({ id }) => models().use(id),
    'models:delete': ({ id }) => models().remove(id),
    'models:reveal': async ({ id }) => {
      await models().reveal(id);
      return {};
    },
    'models:import': (_request, event) => models().importFiles(event),
  };
}

/**
 * What main may send on an event channel: the payload checked against the contract (a malformed one is a bug in
 * main, refused here rather than dropped silently by the renderer).
 */
export function checkEvent<E extends EventChannel>(channel: E, payload: unknown): Checked<EventPayload<E>> {
  return check(EVENT_CHANNELS[channel], payload) as Checked<EventPayload<E>>;
}

export interface IpcRegistration {
  /** The gate + handler for one call; what each ipcMain handler runs. Exposed for tests and the e2e harness. */
  dispatch(channel: string, event: InvokeEventLike, payload: unknown): Promise<IpcResult<unknown>>;
  dispose(): void;
}

export function registerIpc(ipcMain: IpcMainLike, deps: IpcDeps): IpcRegistration {
  const handlers = makeHandlers(deps);

  async function dispatch(
    channel: string,
    event: InvokeEventLike,
    payload: unknown,
  ): Promise<IpcResult<unknown>> {
    try {
      if (!deps.isTrustedSender(event)) {
        throw new RotorError('IPC_FORBIDDEN_SENDER', undefined, {
          detail: event.senderFrame?.url ?? 'no frame',
        });
      }
      if (!isInvokeChannel(channel)) {
        throw new RotorError('IPC_UNKNOWN_CHANNEL', undefined, { detail: String(channel).slice(0, 100) });
      }
      const checked = check(INVOKE_CHANNELS[channel].request, payload);
      if (!checked.ok) throw new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail: checked.problem });
      const handler = handlers[channel] as (request: unknown, event: InvokeEventLike) => unknown;
      return { ok: true, value: await handler(checked.value, event) };
    } catch (error) {
      if (error instanceof RotorError) return { ok: false, error: toErrorPayload(error) };
      // Raw errors may carry paths or stack details; the renderer gets the generic message, the log gets the rest.
      deps.logError?.(channel, error);
      return { ok: false, error: toErrorPayload(new RotorError('INTERNAL')) };
    }
  }

  const channels = Object.keys(INVOKE_CHANNELS);
  for (const channel of channels) {
    // Exactly one argument per call; extra arguments mean the caller is not our preload.
    ipcMain.handle(channel, (event, ...args) =>
      args.length > 1
        ? Promise.resolve({
            ok: false as const,
            error: toErrorPayload(new RotorError('IPC_INVALID_PAYLOAD', 'Too many arguments.')),
          })
        : dispatch(channel, event, args[0]),
    );
  }

  return {
    dispatch,
    dispose: () => channels.forEach((c) => ipcMain.removeHandler(c)),
  };
}
