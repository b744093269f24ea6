/**
 * The recording service as the app builds it (services.ts): live jobs planned like queue jobs (model config,
 * settings, the advisor), but with short windows so text appears while the meeting goes on; recordings without a
 * live job go to the queue. Electron-free; index.ts adds the port, the shortcut and the display-media handler.
 */
import path from 'node:path';
import type { HardwareInfo } from '@common/advisor-types';
import type { JobPlanValues } from '../advisor/job-config';
import type { RecordingCapabilities } from '@common/recording-schema';
import type { Settings } from '@common/settings';
import type { EngineHost } from '../engine/host/engine-host';
import type { JobEngine } from '../engine/host/protocol';
import type { Library } from '../library/db';
import {
  createRecordingService,
  type RecordingService,
  type RecordingServiceDeps,
} from '../recording/service';
import type { JobService } from './jobs/job-service';
import { planFor } from './jobs/plan';
import type { ModelConfig } from './model-config';

/** Live windows: long enough for context, short enough that text follows the speaker within seconds. */
export const LIVE_WINDOW_SEC = 10;

/**
 * Live windows close at pauses over this, the ones people leave between sentences; with the cutter's 3 s (or a CPU
 * plan's 15 s) a 10 s window only ended at its length. On the trained fixture's 5-minute held-out meeting, 10 s
 * windows: whole-transcript WER 11.4 % with 3 s, 10.6 % with 1 s.
 */
export const LIVE_MAX_GAP_SEC = 1;

/** A queue job's plan made live: short windows that close at sentence pauses, one at a time. */
export function livePlan(planned: JobPlanValues): JobPlanValues {
  return {
    ...planned,
    maxWindowSec: Math.min(planned.maxWindowSec, LIVE_WINDOW_SEC),
    maxGapSec: Math.min(planned.maxGapSec ?? LIVE_MAX_GAP_SEC, LIVE_MAX_GAP_SEC),
    // One window at a time: a batch of several would wait for the later windows before any text shows.
    parallel: 1,
  };
}

export interface RecordingWiring {
  userDataDir: string;
  engine: EngineHost;
  library: Library;
  jobs: Pick<JobService, 'add' | 'refreshModel' | 'yieldEngine'>;
  settings: { get(): Promise<Settings> };
  modelConfig: () => Promise<ModelConfig>;
  capabilities: () => RecordingCapabilities;
  hardware?: HardwareInfo;
  onStatus: RecordingServiceDeps['onStatus'];
  onWindow: RecordingServiceDeps['onWindow'];
  onLibraryChanged: (id: string) => void;
  logError?: (context: string, error: unknown) => void;
}

export type AppRecording = RecordingService & { capabilities(): RecordingCapabilities };

function withThreads(engine: JobEngine, threads: number): JobEngine {
  return engine.kind === 'runtime' && threads > 0 ? { ...engine, threads } : engine;
}

export function createAppRecording(w: RecordingWiring): AppRecording {
  const service = createRecordingService({
    dir: path.join(w.userDataDir, 'recordings'),
    jobsDir: path.join(w.userDataDir, 'jobs'),
    engine: w.engine,
    library: w.library,
    queue: {
      add: (paths) => w.jobs.add(paths),
      // The queue held its next job while the live job had the engine.
      kick: () => void w.jobs.refreshModel(),
    },
    yieldEngine: (reason) => w.jobs.yieldEngine(reason),
    async planLive() {
      const model = await w.modelConfig();
      if (!model.ready) return null;
      const settings = await w.settings.get();
      const engine = withThreads(model.engine, settings.threads);
      const planned = await planFor(engine, w.engine, settings, w.hardware);
      const plan = livePlan(planned.plan);
      return { engine, plan, ...(settings.language !== 'auto' ? { language: settings.language } : {}) };
    },
    ...(w.onStatus ? { onStatus: w.onStatus } : {}),
    ...(w.onWindow ? { onWindow: w.onWindow } : {}),
    onLibraryChanged: w.onLibraryChanged,
    ...(w.logError ? { logError: w.logError } : {}),
  });
  return Object.assign(service, { capabilities: w.capabilities });
}

/**
 * What this OS gives for the other side of a call. Windows and macOS 13+ (Darwin 22+) hand loopback audio to the
 * display-media request; Linux has no loopback there, but PulseAudio/PipeWire list a "Monitor of …" input.
 */
export function systemAudioSupport(
  platform: string,
  osRelease: string,
): Omit<RecordingCapabilities, 'shortcut'> {
  if (platform === 'win32')
    return {
      systemAudio: 'loopback',
      systemAudioNote: 'System audio is captured from the speakers (loopback).',
    };
  if (platform === 'darwin') {
    const darwin = Number.parseInt(osRelease.split('.')[0] ?? '', 10);
    return darwin >= 22
      ? { systemAudio: 'loopback', systemAudioNote: 'macOS asks once for permission to record system audio.' }
      : {
          systemAudio: 'unavailable',
          systemAudioNote: 'System audio needs macOS 13 or later; only the microphone is recorded.',
        };
  }
  if (platform === 'linux')
    return {
      systemAudio: 'monitor',
      systemAudioNote: 'Choose a "Monitor of …" input (PulseAudio/PipeWire) as the system audio source.',
    };
  return { systemAudio: 'unavailable', systemAudioNote: 'System audio cannot be recorded on this system.' };
}
