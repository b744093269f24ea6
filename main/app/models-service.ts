/**
 * The model manager as the window reaches it: the catalog with what is installed, the advisor's pick for this
 * machine, the model the app uses (checked: a partial or damaged file is reported with a re-download offer, not left
 * for a job to trip on), the one download, import and delete. A finished download or an import is written to
 * settings.json's `model` and the job queue re-reads it, so the window goes straight on to transcribing.
 */
import path from 'node:path';
import { RotorError, toErrorPayload } from '@common/errors';
import type {
  ActiveModel,
  DownloadView,
  ModelDownloadAction,
  ModelsState,
  ModelVariant,
} from '@common/models-schema';
import type { AdvisorService } from '../advisor/service';
import { catalogEntry, recommendedEntry } from '../models/catalog';
import { modelEndpoint, modelsDirFor } from '../models/endpoint';
import { createModelManager, type DownloadSnapshot, type ModelManager } from '../models/manager';
import { validateModelPair } from '../models/validate';
import { readModelConfig, saveModelFiles } from './model-config';
import type { InvokeEventLike } from './security';

const ADVISOR_WAIT_MS = 15_000;

/** Job failures that are about the model files, not the recording. */
const MODEL_FILE_ERRORS = new Set([
  'MODEL_NOT_FOUND',
  'MODEL_NOT_GGUF',
  'MODEL_TRUNCATED',
  'MODEL_WRONG_ARCH',
  'MODEL_MMPROJ_MISMATCH',
]);

export interface ModelsServiceDeps {
  userDataDir: string;
  env: Readonly<Record<string, string | undefined>>;
  advisor?: Pick<AdvisorService, 'getReport'>;
  /** The job queue re-reads the model configuration (main/app/jobs: refreshModel). */
  onModelChanged: () => Promise<unknown>;
  broadcast: (state: ModelsState) => void;
  /** Shows a file in the system's file manager (Electron's shell.showItemInFolder). */
  reveal?: (file: string) => void;
  /** Main's open dialog for GGUF files (the model and its mmproj). */
  showOpenModelDialog?: (event: InvokeEventLike) => Promise<string[]>;
  /** Tests pass a manager on a local endpoint; default: userData/models (or ROTORSCRIBE_MODELS_DIR). */
  manager?: ModelManager;
  /** How often download progress reaches the window. */
  progressIntervalMs?: number;
}

export interface ModelsService {
  state(): Promise<ModelsState>;
  resolve(id: string): Promise<{ id: string; modelBytes: number; mmprojBytes: number }>;
  download(id: string): Promise<ModelsState>;
  control(action: ModelDownloadAction): Promise<ModelsState>;
  use(id: string): Promise<ModelsState>;
  remove(id: string): Promise<ModelsState>;
  reveal(id: string): Promise<void>;
  importFiles(event: InvokeEventLike): Promise<ModelsState>;
  /**
   * The queue changed: a job that newly failed on the model file itself (cut short, damaged, gone, not Voxtral) makes
   * the active model be checked again, so the window offers the re-download instead of failing job after job.
   */
  noteJobs(jobs: readonly { id: string; state: string; error?: { code: string } | null }[]): void;
  /** A download an earlier run left unfinished is listed, paused. */
  start(): Promise<void>;
  /** At quit: the running download stops where it is (resumable at the next start). */
  stop(): Promise<void>;
}

function downloadView(s: DownloadSnapshot): DownloadView {
  return {
    id: s.id,
    state: s.state,
    bytesDone: Math.round(s.bytesDone),
    bytesTotal: Math.round(s.bytesTotal),
    bytesPerSec: s.bytesPerSec,
    etaSec: s.etaSec,
    ...(s.error ? { error: s.error } : {}),
  };
}

export function createModelsService(deps: ModelsServiceDeps): ModelsService {
  const settingsPath = path.join(deps.userDataDir, 'settings.json');
  const manager =
    deps.manager ??
    createModelManager({
      modelsDir: modelsDirFor(deps.userDataDir, deps.env),
      endpoint: () => modelEndpoint(deps.env, settingsPath),
      progressIntervalMs: deps.progressIntervalMs ?? 250,
      onChange: () => broadcastState(),
    });

  let active: ActiveModel | undefined;
  const seenFailures = new Set<string>();
  let installed = new Set<string>();
  let recommended: ModelsState['recommended'] | null | undefined;

  async function readActive(): Promise<ActiveModel> {
    const config = await readModelConfig({ env: deps.env, settingsPath });
    if (!config.ready) {
      if (config.reason === 'no_model') return { ready: false };
      return {
        ready: false,
        source: deps.env.ROTORSCRIBE_MODEL ? 'env' : 'settings',
        problem: toErrorPayload(
          new RotorError('MODEL_NOT_FOUND', 'The model files the app is set to use are missing.', {
            hint: 'Download the model again, or import the files.',
            ...(config.detail ? { detail: config.detail } : {}),
          }),
        ),
      };
    }
    const engine = config.engine;
    if (engine.kind !== 'runtime') return { ready: true, source: config.source, name: 'test engine (echo)' };
    const entry = (await manager.installed()).find(
      (m) => m.modelPath === engine.modelPath && m.mmprojPath === engine.mmprojPath,
    );
    const base: ActiveModel = {
      ready: true,
      source: config.source,
      name: path.basename(engine.modelPath).slice(0, 300),
      ...(entry ? { id: entry.id } : {}),
    };
    try {
      await validateModelPair(engine.modelPath, engine.mmprojPath);
      return base;
    } catch (error) {
      const e =
        error instanceof RotorError
          ? error
          : new RotorError('MODEL_LOAD_FAILED', undefined, { cause: error });
      // the path stays in main: the window gets what is wrong and what to do
      return {
        ...base,
        ready: false,
        problem: {
          code: e.code,
          message: `${path.basename(e.code === 'MODEL_MMPROJ_MISMATCH' ? engine.mmprojPath : engine.modelPath)}: ${
            toErrorPayload(new RotorError(e.code)).message
          }`,
          hint: entry
            ? 'Download it again.'
            : (e.hint ?? 'Download a model from the list, or import other files.'),
        },
      };
    }
  }

  async function refresh(): Promise<void> {
    installed = new Set((await manager.installed()).map((m) => m.id));
    active = await readActive();
  }

  async function recommendation(): Promise<ModelsState['recommended'] | undefined> {
    if (recommended !== undefined) return recommended ?? undefined;
    try {
      // the probe waits for the engine; the setup screen does not wait longer than this for its pick
      const report = deps.advisor
        ? await Promise.race([
            deps.advisor.getReport(),
            new Promise<never>((_, reject) => {
              setTimeout(() => reject(new Error('advisor timed out')), ADVISOR_WAIT_MS).unref();
            }),
          ])
        : undefined;
      const entry = recommendedEntry(report?.recommendation.config.weights, manager.catalog);
      recommended =
        entry && report
          ? { id: entry.id, reason: report.recommendation.why.slice(0, 2000) }
          : entry
            ? { id: entry.id, reason: 'The smallest download; it runs on most computers.' }
            : null;
    } catch {
      const entry = recommendedEntry(undefined, manager.catalog);
      recommended = entry
        ? { id: entry.id, reason: 'The smallest download; it runs on most computers.' }
        : null;
    }
    return recommended ?? undefined;
  }

  function variants(): ModelVariant[] {
    return manager.catalog.map((e) => ({
      id: e.id,
      label: e.label,
      publisher: e.publisher,
      weights: e.weights,
      note: e.note,
      approxBytes: Math.round(e.approxBytes),
      installed: installed.has(e.id),
    }));
  }

  let restored: Promise<unknown> | undefined;

  async function state(): Promise<ModelsState> {
    // a download an earlier run left is listed (paused) from the first look on
    await (restored ??= manager.restore().catch(() => null));
    if (!active) await refresh();
    const rec = await recommendation();
    const current = manager.current();
    return {
      variants: variants(),
      ...(rec ? { recommended: rec } : {}),
      active: active ?? { ready: false },
      download: current ? downloadView(current) : null,
    };
  }

  let lastState = '';
  function broadcastState(): void {
    const current = manager.current();
    void (async () => {
      if (current?.state === 'done' && current.files && lastState !== `done:${current.id}`) {
        lastState = `done:${current.id}`;
        await saveModelFiles(settingsPath, current.files);
        await refresh();
        await deps.onModelChanged();
      }
      deps.broadcast(await state());
    })().catch(() => undefined);
  }

  const service: ModelsService = {
    state,
    async resolve(id) {
      const r = await manager.resolve(id);
      return { id, modelBytes: r.model.size, mmprojBytes: r.mmproj.size };
    },
    async download(id) {
      catalogEntry(id, manager.catalog);
      lastState = '';
      await manager.start(id);
      return state();
    },
    async control(action) {
      if (action === 'pause') manager.pause();
      else if (action === 'resume') await manager.resume();
      else await manager.cancel();
      return state();
    },
    async use(id) {
      const files = await manager.filesOf(id);
      if (!files)
        throw new RotorError('MODEL_NOT_FOUND', 'That model is not downloaded.', {
          hint: 'Download it first.',
        });
      await saveModelFiles(settingsPath, files);
      await refresh();
      await deps.onModelChanged();
      const next = await state();
      deps.broadcast(next);
      return next;
    },
    async remove(id) {
      catalogEntry(id, manager.catalog);
      if (active?.id === id) {
        throw new RotorError('JOB_INVALID_STATE', 'This model is the one RotorScribe uses now.', {
          hint: 'Switch to another model first.',
        });
      }
      await manager.remove(id);
      await refresh();
      const next = await state();
      deps.broadcast(next);
      return next;
    },
    async reveal(id) {
      const files = await manager.filesOf(id);
      if (!files) throw new RotorError('MODEL_NOT_FOUND', 'That model is not downloaded.');
      deps.reveal?.(files.modelPath);
    },
    async importFiles(event) {
      if (!deps.showOpenModelDialog) throw new RotorError('NOT_AVAILABLE_YET');
      const paths = await deps.showOpenModelDialog(event);
      if (paths.length === 0) return state();
      if (paths.length !== 2) {
        throw new RotorError(
          'INVALID_ARGUMENT',
          'Choose two files: the model and its audio encoder (mmproj).',
          {
            hint: 'Select both GGUF files at once in the dialog.',
          },
        );
      }
      const pair = await validateModelPair(paths[0]!, paths[1]!);
      await saveModelFiles(settingsPath, { modelPath: pair.modelPath, mmprojPath: pair.mmprojPath });
      await refresh();
      await deps.onModelChanged();
      const next = await state();
      deps.broadcast(next);
      return next;
    },
    noteJobs(jobs) {
      const fresh = jobs.filter(
        (j) =>
          j.state === 'failed' && j.error && MODEL_FILE_ERRORS.has(j.error.code) && !seenFailures.has(j.id),
      );
      if (fresh.length === 0) return;
      for (const j of fresh) seenFailures.add(j.id);
      void (async () => {
        await refresh();
        deps.broadcast(await state());
      })().catch(() => undefined);
    },
    async start() {
      await (restored ??= manager.restore().catch(() => null));
      await refresh();
    },
    async stop() {
      manager.pause();
      await manager.settled();
    },
  };
  return service;
}
