/**
 * Main-process services wired for IPC, free of Electron values: index.ts builds them with Electron's dialog and
 * utilityProcess; the e2e harness builds the same thing with a fake dialog and the child-process engine.
 */
import os from 'node:os';
import path from 'node:path';
import type { AppInfo, EventChannel, EventPayload } from '@common/ipc-contract';
import type { ExportFormat, QueueAction, QueueSnapshot } from '@common/library-schema';
import type { RecordingCapabilities } from '@common/recording-schema';
import type { Settings } from '@common/settings';
import { engineAdvisorDeps } from '../advisor/engine-facts';
import { createAdvisorService, type AdvisorService } from '../advisor/service';
import { createEngineHost, type EngineHost, type EngineStatus } from '../engine/host/engine-host';
import type { TransportFactory } from '../engine/host/transport';
import { openLibraryStore, type LibraryStore } from '../library/db';
import { createFileRegistry, type FileRegistry } from './file-registry';
import { createJobService, type JobService } from './jobs/job-service';
import { createLibraryService, type LibraryService } from './library-service';
import { queueStatusOf } from './queue-status';
import { readModelConfig } from './model-config';
import { createModelsService, type ModelsService } from './models-service';
import { createAppRecording, systemAudioSupport, type AppRecording } from './recording-wiring';
import type { IpcDeps, QueueIpc } from './ipc';
import { createSenderGuard, type InvokeEventLike } from './security';
import { createSettingsStore, type SettingsStore } from './settings-store';

export type Broadcast = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

export interface AppServicesOptions {
  userDataDir: string;
  createEngineTransport: TransportFactory;
  appInfo: () => AppInfo;
  trustedOrigins: readonly string[];
  isOurContents?: (event: InvokeEventLike) => boolean;
  showOpenAudioDialog: (event: InvokeEventLike) => Promise<string[]>;
  showOpenFolderDialog?: (event: InvokeEventLike) => Promise<string[]>;
  /** Where an export goes: a save dialog for the sender's window (undefined = cancelled). */
  showSaveDialog: (
    event: InvokeEventLike,
    suggestion: { defaultName: string; format: ExportFormat },
  ) => Promise<string | undefined>;
  /** The URL that plays a media token: the custom scheme in Electron, an http route in the e2e harness. */
  mediaUrlFor: (token: string) => string;
  broadcast: Broadcast;
  onSettingsChanged?: (settings: Settings) => void;
  logError?: (context: string, error: unknown) => void;
  /** Memory advisor; tests and the e2e harness pass one with a recorded hardware profile. */
  advisor?: AdvisorService;
  /** Where the model configuration is read (ROTORSCRIBE_ENGINE / _MODEL / _MMPROJ); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Job throttling in ms (tests make it short). */
  jobThrottleMs?: number;
  /** Shows a downloaded model in the system's file manager. */
  revealFile?: (file: string) => void;
  /** The open dialog for importing GGUF files (model + mmproj). */
  showOpenModelDialog?: (event: InvokeEventLike) => Promise<string[]>;
  /** The global recording shortcut as registered (index.ts), for the window to show. */
  recordingShortcut?: () => string | null;
}

export interface AppServices {
  engine: EngineHost;
  settings: SettingsStore;
  files: FileRegistry;
  advisor: AdvisorService;
  /** The library and the persistent job queue: userData/library.sqlite. */
  library: LibraryStore;
  /** Not started: call `jobs.start()` once the IPC handlers and events are wired. */
  jobs: JobService;
  libraryService: LibraryService;
  /** Model catalog, downloads (userData/models) and import. */
  models: ModelsService;
  /** Recordings: <userData>/recordings, live jobs, recovery (main/recording). */
  recording: AppRecording;
  ipcDeps: IpcDeps;
  /** At quit: the running job is handed back (resumable), then the engine stops and the database closes. */
  dispose(): Promise<void>;
}

export function engineStatusEvent(status: EngineStatus): EventPayload<'engine:event'> {
  const event: EventPayload<'engine:event'> = {
    kind: 'status',
    state: status.state,
    restarts: status.restarts,
  };
  if (status.pid !== undefined) event.pid = status.pid;
  if (status.message !== undefined) event.message = status.message.slice(0, 2000);
  return event;
}

/** The job service as the IPC handlers reach it: every call answers the queue as the window should now show it. */
export function queueIpc(jobs: JobService): QueueIpc {
  const snapshot = (): QueueSnapshot => ({ jobs: jobs.list(), status: queueStatusOf(jobs.status()) });
  const act: Record<QueueAction, (id: string) => unknown> = {
    pause: (id) => jobs.pause(id),
    resume: (id) => jobs.resume(id),
    cancel: (id) => jobs.cancel(id),
    retry: (id) => jobs.retry(id),
    remove: (id) => jobs.remove(id),
  };
  return {
    snapshot,
    async add(paths) {
      await jobs.add(paths);
      return snapshot();
    },
    async control(id, action) {
      await act[action](id);
      return snapshot();
    },
    move(id, index) {
      jobs.move(id, index);
      return snapshot();
    },
    retranscribe: (transcriptId, range) => jobs.retranscribe(transcriptId, range),
  };
}

export function createAppServices(options: AppServicesOptions): AppServices {
  const engine = createEngineHost({ createTransport: options.createEngineTransport });
  const settings = createSettingsStore(path.join(options.userDataDir, 'settings.json'));
  const files = createFileRegistry();
  // probes in main; devices (free/total per GPU) and cache types come from the engine worker, which loads the addon
  const advisor = options.advisor ?? createAdvisorService(engineAdvisorDeps(engine));
  engine.onStatus((status) => options.broadcast('engine:event', engineStatusEvent(status)));
  // Throws LIBRARY_NEWER_VERSION / LIBRARY_CORRUPT with the file untouched: the caller tells the user.
  const library = openLibraryStore(path.join(options.userDataDir, 'library.sqlite'));
  const jobs = createJobService({
    engine,
    queue: library.queue,
    library: library.library,
    jobsDir: path.join(options.userDataDir, 'jobs'),
    settings,
    modelConfig: () =>
      readModelConfig({
        env: options.env ?? process.env,
        settingsPath: path.join(options.userDataDir, 'settings.json'),
      }),
    advisor,
    ...(options.jobThrottleMs !== undefined ? { throttleMs: options.jobThrottleMs } : {}),
    onQueueChanged: (list) => {
      options.broadcast('queue:changed', { jobs: list, status: queueStatusOf(jobs.status()) });
      models.noteJobs(list);
    },
    onStatus: (status) =>
      options.broadcast('queue:changed', { jobs: jobs.list(), status: queueStatusOf(status) }),
    onWindowText: (w) => options.broadcast('job:window', w),
    onLibraryChanged: (id) => options.broadcast('library:changed', { id }),
    ...(options.logError ? { logError: options.logError } : {}),
  });
  const libraryService = createLibraryService({
    library: library.library,
    showSaveDialog: options.showSaveDialog,
    mediaUrlFor: options.mediaUrlFor,
    onChanged: (id) => options.broadcast('library:changed', id ? { id } : {}),
  });
  const models = createModelsService({
    userDataDir: options.userDataDir,
    env: options.env ?? process.env,
    advisor,
    onModelChanged: () => jobs.refreshModel(),
    broadcast: (state) => options.broadcast('models:changed', state),
    ...(options.revealFile ? { reveal: options.revealFile } : {}),
    ...(options.showOpenModelDialog ? { showOpenModelDialog: options.showOpenModelDialog } : {}),
  });
  const recording = createAppRecording({
    userDataDir: options.userDataDir,
    engine,
    library: library.library,
    jobs,
    settings,
    modelConfig: () =>
      readModelConfig({
        env: options.env ?? process.env,
        settingsPath: path.join(options.userDataDir, 'settings.json'),
      }),
    capabilities: (): RecordingCapabilities => ({
      ...systemAudioSupport(process.platform, os.release()),
      shortcut: options.recordingShortcut?.() ?? null,
    }),
    onStatus: (status) => options.broadcast('recording:status', status),
    onWindow: (w) => options.broadcast('job:window', w),
    onLibraryChanged: (id) => options.broadcast('library:changed', { id }),
    ...(options.logError ? { logError: options.logError } : {}),
  });
  const ipcDeps: IpcDeps = {
    isTrustedSender: createSenderGuard({
      trustedOrigins: options.trustedOrigins,
      ...(options.isOurContents ? { isOurContents: options.isOurContents } : {}),
    }),
    appInfo: options.appInfo,
    engine,
    settings,
    files,
    advisor,
    showOpenAudioDialog: options.showOpenAudioDialog,
    ...(options.showOpenFolderDialog ? { showOpenFolderDialog: options.showOpenFolderDialog } : {}),
    queue: queueIpc(jobs),
    library: libraryService,
    models,
    recording,
    onSettingsChanged: (next) => {
      options.onSettingsChanged?.(next);
      options.broadcast('settings:changed', next);
    },
    ...(options.logError ? { logError: options.logError } : {}),
  };
  return {
    engine,
    settings,
    files,
    advisor,
    library,
    jobs,
    libraryService,
    models,
    recording,
    ipcDeps,
    async dispose() {
      // First: the recording is sealed and, if its live job cannot finish, queued before the queue stops.
      await recording.dispose();
      await models.stop();
      await jobs.stop();
      await engine.stop();
      library.close();
    },
  };
}
