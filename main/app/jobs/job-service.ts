/**
 * The app's transcription queue in the main process: files and folders in, transcripts in the library out.
 *
 *   add(paths) → expand folders → enqueue (one transaction) → probe each file in the ENGINE process
 *   one loop  → next queued job → plan with the advisor (before the engine allocates) → engine `job` request
 *             → live window text, throttled progress → library.save → 'done' → job folder deleted
 *
 * The queue lives in the library database and every job keeps a checkpoint folder (<userData>/jobs/<id>) until its
 * transcript is saved, so a quit, a kill of the app or a crash of the engine worker loses at most the window being
 * decoded: the job goes back to 'queued' and the engine resumes it from its last finished window.
 *
 * Electron-free: main (index.ts) and the end-to-end harness build it the same way (services.ts).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import type { HardwareInfo } from '@common/advisor-types';
import type { Settings } from '@common/settings';
import type { AdvisorService } from '../../advisor/service';
import type { EngineHost } from '../../engine/host/engine-host';
import { PauseControl } from '../../engine/host/pause-control';
import type { JobEngine, JobOutcome, JobParams } from '../../engine/host/protocol';
import type { JobEvent, JobProgress as RunProgress } from '../../engine/job/runner';
import { liveWindowText } from '../../engine/job/live-window';
import type { TimeRange } from '@common/library-schema';
import { MIN_RANGE_SEC } from '../../engine/host/method-params';
import type { JobProgress, JobQueue, JobRecord, JobState, Library, QueueJob } from '../../library/db';
import type { ModelConfig } from '../model-config';
import { withoutQueued } from './already-queued';
import { DEFAULT_EXPAND_LIMITS, expandPaths, type ExpandLimits } from '../../fs/expand-paths';
import { pinnedSettings, withPinnedLayout } from '../../engine/checkpoints/pinned-settings';
import { jobDirFor, removeJobFolder } from './job-folder';
import { measuredFromOutcome } from './measured';
import { planFor } from './plan';
import { jobError } from './job-error';
import { JobStages } from './job-stages';
import { replaceRange } from './replace-range';
import { realClock, throttle, type Clock, type Throttled } from './throttle';
import type { AddResult, JobServiceStatus, JobWarning, WindowText } from './types';

export interface JobServiceDeps {
  engine: EngineHost;
  queue: JobQueue;
  library: Library;
  /** <userData>/jobs: one checkpoint folder per job. */
  jobsDir: string;
  settings: { get(): Promise<Settings> };
  /** Re-read whenever the service looks for work while not ready (model-config.ts: readModelConfig). */
  modelConfig: () => Promise<ModelConfig>;
  /** Receives what the runtime allocated for a job's plan (the settings panel's measured-vs-predicted table). */
  advisor?: Pick<AdvisorService, 'setMeasured'>;
  /** The queue as the window sees it, after any change; at most every `throttleMs`, and always the last state. */
  onQueueChanged?: (jobs: QueueJob[]) => void;
  /** Each window's text, at once. */
  onWindowText?: (window: WindowText) => void;
  onWarning?: (warning: JobWarning) => void;
  onStatus?: (status: JobServiceStatus) => void;
  /** A job put a transcript in the library, or a re-transcription rewrote part of one. */
  onLibraryChanged?: (transcriptId: string) => void;
  logError?: (context: string, error: unknown) => void;
  /** Tests: a recorded hardware profile instead of probing this machine. */
  hardware?: HardwareInfo;
  /** Default 250 ms: ≤ 4 progress writes and queue events a second per job. */
  throttleMs?: number;
  /** Engine crashes a job is resumed after; the next one fails it. Default 3. */
  maxCrashResumes?: number;
  /** Probes running at once (each is an ffmpeg process in the engine). Default 2. */
  probeConcurrency?: number;
  expandLimits?: ExpandLimits;
  clock?: Clock;
  now?: () => number;
}

export interface JobService {
  /** Hands back jobs a quit or killed app left running, then starts the loop. Call once. */
  start(): Promise<void>;
  /**
   * Stops the loop and the running job's request; the job stays resumable (back to 'queued', its folder kept; a
   * paused one stays 'paused'). Does not stop the engine host: the caller does, after this resolves.
   */
  stop(): Promise<void>;
  status(): JobServiceStatus;
  /** Re-reads the model configuration now (e.g. after a model download); the loop starts when one is there. */
  refreshModel(): Promise<JobServiceStatus>;
  /** Files and folders (absolute paths, main-side only); every file becomes a queued job and is probed. */
  add(paths: readonly string[]): Promise<AddResult>;
  /**
   * Queues a re-transcription of `range` of the transcript's recording; when it is done, the transcript's segments
   * overlapping the range are replaced by the new ones. TRANSCRIPT_NOT_FOUND for an unknown or deleted transcript,
   * FILE_NOT_FOUND (file name + hint) when its recording is gone, INVALID_ARGUMENT for a range outside it.
   */
  retranscribe(transcriptId: string, range: TimeRange): Promise<QueueJob>;
  list(): QueueJob[];
  /** Running: pauses the engine between windows (the engine stays reserved). Queued: held back. */
  pause(id: string): QueueJob;
  resume(id: string): QueueJob;
  /** Stops the job; its finished windows stay in its folder (retry resumes from them). Resolves once settled. */
  cancel(id: string): Promise<QueueJob>;
  /** failed / cancelled → queued; resumes from its folder (starts over when the folder cannot be used). */
  retry(id: string): QueueJob;
  move(id: string, index: number): QueueJob[];
  /** Cancels it first if needed, deletes its job folder and drops it from the queue (its transcript stays). */
  remove(id: string): Promise<void>;
  /** The job's recent warnings (at most MAX_WARNINGS, newest last). */
  warnings(id: string): JobWarning[];
  /** Tests and quit: resolves when no job is running or probing and nothing runnable is left. */
  whenIdle(): Promise<void>;
  /**
   * Frees the engine for a recording's live job: the running job stops at once, resumable (back to 'queued', or
   * 'paused' if it was, its folder kept, a warning says why), and no job starts until every returned release has
   * been called. Resolves once the engine is free of queue work.
   */
  yieldEngine(reason: string): Promise<() => void>;
}

export const MAX_WARNINGS = 20;
const PROBE_CRASH_RETRIES = 2;
const BUSY_WAIT_MS = 100;
const BUSY_RETRIES = 100;

interface Running {
  id: string;
  control: PauseControl;
  abort: AbortController;
  /** Why we aborted it: decides the state it lands in. */
  why: 'cancel' | 'remove' | 'stop' | 'yield' | null;
  /** For 'yield': the warning the job gets. */
  yieldReason?: string;
  settled: Promise<void>;
}

/** How long the next job waits for files ahead of it in the queue that are still being checked. */
export const ORDER_WAIT_MS = 5_000;

function asRotorError(error: unknown): RotorError {
  if (error instanceof RotorError) return error;
  return new RotorError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
}

export function queueProgress(p: RunProgress): JobProgress {
  return {
    windowsDone: p.windowsDone,
    // 0 = not known yet (the queue's column is required)
    windowsTotal: p.windowsTotal ?? 0,
    audioSecDone: p.audioSecDone,
    durationSec: p.durationSec,
    speed: p.speedX,
    etaSec: p.etaSec,
  };
}

function titleOf(sourcePath: string): string {
  const name = path.basename(sourcePath);
  const ext = path.extname(name);
  return (ext && ext !== name ? name.slice(0, -ext.length) : name).slice(0, 500) || name.slice(0, 500);
}

function withThreads(engine: JobEngine, threads: number): JobEngine {
  return engine.kind === 'runtime' && threads > 0 ? { ...engine, threads } : engine;
}

/** The audio a job covers: the whole file, or its range cut short by the end of the file. */
function coveredSec(fileSec: number | null, range: TimeRange | undefined): number | null {
  if (!range) return fileSec;
  const end = fileSec === null ? range.endSec : Math.min(range.endSec, fileSec);
  return Math.max(0, end - range.startSec);
}

function recordingGone(name: string, why: 'missing' | 'not_a_file' | 'none'): RotorError {
  if (why === 'none') {
    return new RotorError(
      'FILE_NOT_FOUND',
      'This transcript has no recording attached to transcribe again.',
      {
        hint: 'Edit the text by hand instead.',
      },
    );
  }
  return new RotorError(
    'FILE_NOT_FOUND',
    why === 'missing'
      ? `The recording ${name} is no longer where it was.`
      : `The recording ${name} is not a file any more.`,
    { hint: `Put ${name} back where it was transcribed from, then try again.` },
  );
}

function targetGone(): RotorError {
  return new RotorError(
    'TRANSCRIPT_NOT_FOUND',
    'The transcript was deleted before its re-transcription finished.',
    {
      hint: 'Restore the transcript from the library, then retry this job.',
    },
  );
}

/** Fresh segment ids get the job's mark (`s3` → `s3-r1a2b3c`): unique next to the ones they join. */
function idSuffixOf(jobId: string): string {
  return `r${jobId.replace(/[^A-Za-z0-9]/gu, '').slice(0, 6)}`;
}

const ENGINE_FAILED_HINT = 'Restart RotorScribe; if it happens again, report it with the log.';

export function createJobService(deps: JobServiceDeps): JobService {
  const { engine, queue, library } = deps;
  const clock = deps.clock ?? realClock;
  const now = deps.now ?? Date.now;
  const throttleMs = deps.throttleMs ?? 250;
  const maxCrashResumes = deps.maxCrashResumes ?? 3;
  const log = (context: string, error: unknown): void => deps.logError?.(context, error);

  let model: ModelConfig = { ready: false, reason: 'no_model', hint: '' };
  let modelRead = false;
  let status: JobServiceStatus = { ready: false, reason: 'no_model', hint: '' };
  let stopped = true;
  let loopDone: Promise<void> = Promise.resolve();
  let running: Running | null = null;
  /** A job handed back by a stop of the engine we did not ask for: wait for a kick before taking work again. */
  let holdUntilKick = false;
  /** Recordings holding the engine (yieldEngine): no job starts while any does. */
  let yieldHolds = 0;
  let wake: (() => void) | null = null;
  const idleWaiters: (() => void)[] = [];

  const probes = new Map<string, AbortController>();
  const probeSlots: (() => void)[] = [];
  let probesActive = 0;
  const pauseAfterProbe = new Set<string>();
  const crashes = new Map<string, number>();
  const restartNext = new Set<string>();
  const warningLists = new Map<string, JobWarning[]>();
  const progressOut = new Map<string, Throttled<JobProgress>>();
  const stages = new JobStages();
  /** The queue as the window sees it: running jobs with the step they are in before their first window. */
  const listJobs = (): QueueJob[] => queue.list().map((j) => stages.withStage(j));

  const queueChanged = throttle<undefined>(
    () => {
      try {
        deps.onQueueChanged?.(listJobs());
      } catch (error) {
        log('jobs: queue changed', error);
      }
    },
    throttleMs,
    clock,
  );
  const changed = (): void => queueChanged(undefined);

  function kick(): void {
    holdUntilKick = false;
    const w = wake;
    wake = null;
    w?.();
  }

  function setStatus(next: JobServiceStatus): void {
    if (JSON.stringify(next) === JSON.stringify(status)) return;
    status = next;
    deps.onStatus?.(status);
  }

  function computeStatus(): void {
    if (engine.status().state === 'failed') {
      setStatus({
        ready: false,
        reason: 'engine_failed',
        hint: ENGINE_FAILED_HINT,
        ...(engine.status().message ? { detail: engine.status().message } : {}),
      });
    } else if (model.ready) {
      setStatus(
        model.engine.kind === 'runtime'
          ? { ready: true, engine: 'runtime', model: path.basename(model.engine.modelPath) }
          : { ready: true, engine: model.engine.kind },
      );
    } else {
      setStatus({
        ready: false,
        reason: model.reason,
        hint: model.hint,
        ...(model.detail ? { detail: model.detail } : {}),
      });
    }
  }

  async function refreshModel(): Promise<JobServiceStatus> {
    try {
      model = await deps.modelConfig();
      modelRead = true;
    } catch (error) {
      log('jobs: model configuration', error);
    }
    computeStatus();
    if (status.ready) kick();
    return status;
  }

  function progressFor(id: string): Throttled<JobProgress> {
    let out = progressOut.get(id);
    if (!out) {
      out = throttle<JobProgress>(
        (p) => {
          try {
            queue.setProgress(id, p);
          } catch (error) {
            log('jobs: progress', error); // removed meanwhile
          }
          changed();
        },
        throttleMs,
        clock,
      );
      progressOut.set(id, out);
    }
    return out;
  }

  function dropProgress(id: string, flush: boolean): void {
    stages.clear(id);
    const out = progressOut.get(id);
    if (!out) return;
    if (flush) out.flush();
    else out.cancel();
    progressOut.delete(id);
  }

  function addWarning(jobId: string, code: string, message: string): void {
    const w: JobWarning = { jobId, code, message, at: now() };
    const list = warningLists.get(jobId) ?? [];
    list.push(w);
    if (list.length > MAX_WARNINGS) list.splice(0, list.length - MAX_WARNINGS);
    warningLists.set(jobId, list);
    deps.onWarning?.(w);
  }

  function stateOf(id: string): JobState | null {
    try {
      return queue.get(id).state;
    } catch {
      return null;
    }
  }

  /** Moves the job to `state`, through 'running' when it sits 'paused' (paused → done/failed is not a move). */
  function settle(id: string, state: JobState, change: Parameters<JobQueue['setState']>[2] = {}): void {
    const from = stateOf(id);
    if (from === null) return;
    if (from === 'paused' && (state === 'done' || state === 'failed')) queue.setState(id, 'running');
    queue.setState(id, state, change);
  }

  // ---- probing ------------------------------------------------------------------------------------------------

  async function probeSlot(): Promise<() => void> {
    const limit = Math.max(1, deps.probeConcurrency ?? 2);
    if (probesActive >= limit) await new Promise<void>((resolve) => probeSlots.push(resolve));
    probesActive++;
    return () => {
      probesActive--;
      probeSlots.shift()?.();
    };
  }

  async function probeOne(job: JobRecord): Promise<void> {
    const release = await probeSlot();
    const ac = new AbortController();
    probes.set(job.id, ac);
    try {
      for (let attempt = 0; ; attempt++) {
        if (stopped || stateOf(job.id) !== 'probing') return;
        try {
          const info = await engine.request('probe', { path: job.sourcePath }, { signal: ac.signal });
          if (stateOf(job.id) !== 'probing') return;
          // The duration is worth showing before the job runs; 0 windows = not known yet.
          queue.setProgress(job.id, {
            windowsDone: 0,
            windowsTotal: 0,
            audioSecDone: 0,
            durationSec: coveredSec(info.durationSec, job.range),
            speed: null,
            etaSec: null,
          });
          queue.setState(job.id, 'queued');
          if (pauseAfterProbe.delete(job.id)) queue.setState(job.id, 'paused');
          return;
        } catch (error) {
          const e = asRotorError(error);
          if (e.code === 'CANCELLED' || stateOf(job.id) !== 'probing') return;
          if (
            e.code === 'ENGINE_CRASHED' &&
            attempt < PROBE_CRASH_RETRIES &&
            engine.status().state !== 'failed'
          )
            continue;
          const failure =
            e.code === 'ENGINE_CRASHED'
              ? new RotorError('ENGINE_CRASHED', 'The engine stopped while reading this file.', {
                  hint: 'The file may be damaged; try the original recording or another format, then retry.',
                })
              : e;
          pauseAfterProbe.delete(job.id);
          queue.setState(job.id, 'failed', { error: jobError(failure, job) });
          return;
        }
      }
    } catch (error) {
      log('jobs: probe', error);
    } finally {
      probes.delete(job.id);
      release();
      changed();
      kick();
      checkIdle();
    }
  }

  // ---- running ------------------------------------------------------------------------------------------------

  function onJobEvent(id: string, e: JobEvent): void {
    switch (e.type) {
      case 'window':
        deps.onWindowText?.(liveWindowText(id, e));
        break;
      case 'progress':
        stages.clear(id);
        progressFor(id)(queueProgress(e.progress));
        break;
      case 'stage':
        if (stages.set(id, e.stage)) changed();
        else log('jobs: stage', new Error(`not a stage: ${JSON.stringify(e.stage)}`));
        break;
      case 'warning':
        addWarning(id, e.code, e.message);
        break;
      default:
        break;
    }
  }

  async function paramsFor(
    job: JobRecord,
    jobDir: string,
    settings: Settings,
  ): Promise<{
    params: JobParams;
    planned: Awaited<ReturnType<typeof planFor>>;
  }> {
    if (!model.ready) throw new RotorError('INTERNAL', 'No engine configured.');
    const jobEngine = withThreads(model.engine, settings.threads);
    const restart = restartNext.has(job.id);
    // A resume runs what the job started with, whatever the settings panel or free memory say now.
    const pinned = restart ? null : await pinnedSettings(jobDir);
    const run = { ...settings.runConfig };
    if (pinned?.kvK) run.kvTypeK = pinned.kvK;
    if (pinned?.kvV) run.kvTypeV = pinned.kvV;
    const planned = await planFor(jobEngine, engine, { runConfig: run }, deps.hardware);
    planned.plan = withPinnedLayout(planned.plan, pinned);
    const language =
      pinned && pinned.language !== undefined
        ? pinned.language
        : settings.language === 'auto'
          ? null
          : settings.language;
    return {
      planned,
      params: {
        input: job.sourcePath,
        jobDir,
        existing: restart ? 'restart' : 'resume',
        title: job.kind === 'retranscribe' ? job.displayName.slice(0, 500) : titleOf(job.sourcePath),
        ...(language ? { language } : {}),
        engine: jobEngine,
        plan: planned.plan,
        ...(job.range ? { range: job.range } : {}),
      },
    };
  }

  async function finishJob(job: JobRecord, jobDir: string, result: JobOutcome): Promise<void> {
    const out = progressFor(job.id);
    out(queueProgress(result.progress));
    dropProgress(job.id, true);
    const transcriptId = job.kind === 'retranscribe' ? mergeInto(job, result) : saveNew(job, result);
    settle(job.id, 'done', { transcriptId });
    deps.onLibraryChanged?.(transcriptId);
    crashes.delete(job.id);
    restartNext.delete(job.id);
    const left = await removeJobFolder(jobDir);
    if (left) addWarning(job.id, 'INTERNAL', `The job folder could not be removed: ${left}`);
  }

  function saveNew(job: JobRecord, result: JobOutcome): string {
    return library.save({
      transcript: result.transcript,
      sourceRef: job.sourcePath,
      ...(result.progress.speedX !== null ? { speed: result.progress.speedX } : {}),
    }).id;
  }

  /** The transcript as saved now (the editor's latest autosave), its range replaced, in one transaction. */
  function mergeInto(job: JobRecord, result: JobOutcome): string {
    const target = liveTarget(job);
    if (!job.range)
      throw new RotorError('INTERNAL', 'A re-transcription without a range.', { detail: job.id });
    // No await from the read to the write: nothing else in main can change the transcript in between.
    const { segments } = replaceRange({
      current: library.get(target).transcript.segments,
      fresh: result.transcript.segments,
      range: job.range,
      idSuffix: idSuffixOf(job.id),
    });
    library.updateSegments(target, segments);
    return target;
  }

  /** A re-transcription's transcript, still in the library (not deleted, not purged). */
  function liveTarget(job: JobRecord): string {
    const target = job.targetTranscriptId;
    if (!target) throw targetGone();
    try {
      library.summary(target);
    } catch (error) {
      if (error instanceof RotorError && error.code === 'TRANSCRIPT_NOT_FOUND') throw targetGone();
      throw error;
    }
    return target;
  }

  function onJobError(job: JobRecord, run: Running, error: RotorError): void {
    dropProgress(job.id, true);
    const state = stateOf(job.id);
    if (state === null) return;
    if (run.why === 'cancel' || run.why === 'remove') {
      if (state !== 'cancelled') settle(job.id, 'cancelled');
      return;
    }
    if (run.why === 'yield') {
      if (state === 'running') queue.setState(job.id, 'queued');
      addWarning(job.id, 'YIELDED', run.yieldReason ?? 'Paused for a recording.');
      return;
    }
    if (run.why === 'stop' || (error.code === 'CANCELLED' && !run.abort.signal.aborted)) {
      // Quit, or the engine host was stopped under us: resumable, not cancelled.
      if (state === 'running') queue.setState(job.id, 'queued');
      if (run.why !== 'stop') holdUntilKick = true;
      return;
    }
    if (error.code === 'ENGINE_CRASHED' && engine.status().state !== 'failed') {
      const n = (crashes.get(job.id) ?? 0) + 1;
      crashes.set(job.id, n);
      if (n <= maxCrashResumes) {
        addWarning(
          job.id,
          'ENGINE_CRASHED',
          'The engine stopped during this job; it resumes from its last finished window.',
        );
        if (state === 'running') queue.setState(job.id, 'queued');
        return;
      }
      settle(job.id, 'failed', {
        error: jobError(
          new RotorError('ENGINE_CRASHED', `The engine stopped ${n} times while transcribing this file.`, {
            hint: 'Retry it to continue from the last finished window, or try the file in another format (e.g. WAV).',
          }),
          job,
        ),
      });
      return;
    }
    if (error.code === 'ENGINE_CRASHED') {
      // The engine was given up (state 'failed'): not the job's fault; it waits until the engine runs again.
      if (state === 'running') queue.setState(job.id, 'queued');
      computeStatus();
      return;
    }
    if (error.code === 'ENGINE_BUSY') {
      // Still busy after waiting (another client holds the engine?): wait for the next change to try again.
      if (state === 'running') queue.setState(job.id, 'queued');
      holdUntilKick = true;
      return;
    }
    settle(job.id, 'failed', { error: jobError(error, job) });
  }

  /**
   * A cancelled job is answered at once but may still be unwinding in the worker (saving its windows) for a moment:
   * the next job waits that out instead of failing with ENGINE_BUSY.
   */
  async function requestJob(params: JobParams, run: Running, id: string): Promise<JobOutcome> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await engine.request('job', params, {
          signal: run.abort.signal,
          control: run.control,
          onEvent: (e) => onJobEvent(id, e),
        });
      } catch (error) {
        const busy = error instanceof RotorError && error.code === 'ENGINE_BUSY';
        if (!busy || attempt >= BUSY_RETRIES || run.abort.signal.aborted) throw error;
        await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), BUSY_WAIT_MS));
      }
    }
  }

  async function runOne(job: JobRecord): Promise<void> {
    const jobDir = job.jobDir ?? jobDirFor(deps.jobsDir, job.id);
    if (job.jobDir !== jobDir) queue.setJobDir(job.id, jobDir);
    let finish!: () => void;
    const run: Running = {
      id: job.id,
      control: new PauseControl(),
      abort: new AbortController(),
      why: null,
      settled: new Promise<void>((resolve) => (finish = resolve)),
    };
    running = run;
    queue.setState(job.id, 'running');
    changed();
    try {
      // a transcript deleted while its re-transcription waited: fail now rather than after the model work
      if (job.kind === 'retranscribe') liveTarget(job);
      const settings = await deps.settings.get();
      const { params, planned } = await paramsFor(job, jobDir, settings);
      // one fresh start only: if this run stops too, the next one resumes from what it saved
      restartNext.delete(job.id);
      if (planned.lowered) {
        addWarning(
          job.id,
          'OUT_OF_MEMORY',
          `${planned.lowered.asked} windows at a time do not fit in memory; running ${planned.lowered.fits}.`,
        );
      }
      if (run.abort.signal.aborted) throw new RotorError('CANCELLED');
      const result = await requestJob(params, run, job.id);
      if (planned.advisor && deps.advisor) {
        const measured = measuredFromOutcome(planned.advisor, params, result);
        if (measured) deps.advisor.setMeasured(measured);
      }
      await finishJob(job, jobDir, result);
    } catch (error) {
      try {
        onJobError(job, run, asRotorError(error));
      } catch (inner) {
        log('jobs: settling a job', inner);
      }
    } finally {
      running = null;
      changed();
      finish();
    }
  }

  function takesWork(): boolean {
    return status.ready && !holdUntilKick && yieldHolds === 0;
  }

  function checkIdle(): void {
    if (running || probes.size > 0) return;
    if (takesWork() && queue.nextRunnable()) return;
    for (const w of idleWaiters.splice(0)) w();
  }

  /** A job ahead of `job` in the queue is still being checked (its probe runs). */
  function probingAhead(job: JobRecord): boolean {
    return queue.list().some((j) => j.state === 'probing' && j.position < job.position);
  }

  async function loop(): Promise<void> {
    // when the wait for the probes ahead of the next job began
    let orderWaitFrom: number | null = null;
    while (!stopped) {
      if (!modelRead || !status.ready) await refreshModel();
      const job = takesWork() ? queue.nextRunnable() : null;
      if (!job) {
        checkIdle();
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      // Files run in the order they were dropped: a first file still being checked when a later one is ready (a
      // long WAV's probe is slower than a short MP3's) started last, which read as the queue ignoring its order. A
      // probe that hangs (a file on a stalled drive) holds the queue no longer than ORDER_WAIT_MS.
      if (probingAhead(job)) {
        orderWaitFrom ??= Date.now();
        const left = ORDER_WAIT_MS - (Date.now() - orderWaitFrom);
        if (left > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, left);
          });
          clearTimeout(timer);
          continue;
        }
      }
      orderWaitFrom = null;
      await runOne(job);
      checkIdle();
    }
  }

  function current(id: string): Running | null {
    return running?.id === id ? running : null;
  }

  function publicJob(id: string): QueueJob {
    const job = listJobs().find((j) => j.id === id);
    if (!job) throw new RotorError('JOB_NOT_FOUND', undefined, { detail: id });
    return job;
  }

  const offStatus = engine.onStatus(() => {
    const before = status.ready;
    computeStatus();
    if (!before && status.ready) kick();
  });

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      const recovered = queue.recoverAfterRestart();
      for (const job of recovered)
        addWarning(job.id, 'RESUMED', 'RotorScribe stopped during this job; it resumes.');
      await refreshModel();
      changed();
      loopDone = loop().catch((error: unknown) => log('jobs: loop', error));
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      offStatus();
      for (const ac of probes.values()) ac.abort();
      const run = running;
      if (run) {
        run.why = 'stop';
        run.abort.abort();
        await run.settled;
      }
      kick();
      await loopDone;
      for (const id of [...progressOut.keys()]) dropProgress(id, true);
      queueChanged.flush();
      for (const w of idleWaiters.splice(0)) w();
    },

    status: () => status,

    refreshModel,

    async add(paths) {
      const found = await expandPaths(paths, deps.expandLimits ?? DEFAULT_EXPAND_LIMITS);
      const fresh = withoutQueued(
        found.files,
        queue.list().map((j) => queue.get(j.id)),
      );
      const records = queue.enqueue(
        fresh.files.map((f) => ({
          sourcePath: f.path,
          displayName: path.basename(f.path),
          sizeBytes: f.sizeBytes,
        })),
      );
      // No await between enqueue and here: the loop cannot take a job before it is marked for probing.
      for (const r of records) queue.setState(r.id, 'probing');
      changed();
      for (const r of records) void probeOne(r);
      const ids = new Set(records.map((r) => r.id));
      return {
        added: queue.list().filter((j) => ids.has(j.id)),
        missing: found.missing.map((p) => path.basename(p)),
        emptyFolders: found.emptyFolders.map((p) => path.basename(p)),
        alreadyQueued: fresh.skipped.map((p) => path.basename(p)),
        truncated: found.truncated,
      };
    },

    async retranscribe(transcriptId, range) {
      const { summary } = library.get(transcriptId);
      const source = library.sourceRef(transcriptId);
      if (!source) throw recordingGone('', 'none');
      const name = path.basename(source);
      const info = await stat(source).catch(() => null);
      if (!info) throw recordingGone(name, 'missing');
      if (!info.isFile()) throw recordingGone(name, 'not_a_file');
      const covered = coveredSec(summary.durationSec, range);
      if (!(range.endSec > range.startSec) || (covered !== null && covered < MIN_RANGE_SEC)) {
        throw new RotorError(
          'INVALID_ARGUMENT',
          `The range ${range.startSec.toFixed(1)}–${range.endSec.toFixed(1)} s is not part of the recording.`,
          { hint: 'Select segments of the transcript to transcribe again.' },
        );
      }
      const [record] = queue.enqueue([
        {
          sourcePath: source,
          displayName: summary.title,
          sizeBytes: info.size,
          kind: 'retranscribe',
          targetTranscriptId: transcriptId,
          range: { startSec: range.startSec, endSec: range.endSec },
        },
      ]);
      if (!record) throw new RotorError('INTERNAL', 'The re-transcription was not queued.');
      // No await between enqueue and here: the loop cannot take it before it is marked for probing.
      queue.setState(record.id, 'probing');
      changed();
      void probeOne(record);
      return publicJob(record.id);
    },

    list: listJobs,

    pause(id) {
      const state = queue.get(id).state;
      const run = current(id);
      if (run) {
        run.control.pause();
        if (state === 'running') queue.setState(id, 'paused');
      } else if (state === 'probing') {
        pauseAfterProbe.add(id);
      } else if (state === 'queued') {
        queue.setState(id, 'paused');
      } else if (state !== 'paused') {
        throw new RotorError('JOB_INVALID_STATE', undefined, { detail: `${id}: pause while ${state}` });
      }
      changed();
      return publicJob(id);
    },

    resume(id) {
      const state = queue.get(id).state;
      const run = current(id);
      pauseAfterProbe.delete(id);
      if (run) {
        run.control.resume();
        if (state === 'paused') queue.setState(id, 'running');
      } else if (state === 'paused') {
        queue.setState(id, 'queued');
        kick();
      } else if (state !== 'queued' && state !== 'running' && state !== 'probing') {
        throw new RotorError('JOB_INVALID_STATE', undefined, { detail: `${id}: resume while ${state}` });
      }
      changed();
      return publicJob(id);
    },

    async cancel(id) {
      const run = current(id);
      if (run) {
        run.why ??= 'cancel';
        run.abort.abort();
        await run.settled;
      } else {
        const state = queue.get(id).state;
        if (state !== 'cancelled') {
          probes.get(id)?.abort();
          pauseAfterProbe.delete(id);
          queue.setState(id, 'cancelled');
        }
      }
      changed();
      checkIdle();
      return publicJob(id);
    },

    retry(id) {
      const job = queue.get(id);
      const code = job.error?.code;
      queue.retry(id);
      crashes.delete(id);
      warningLists.delete(id);
      // A folder that cannot be resumed (damaged, or made with other settings/another file) is started over.
      if (code === 'CHECKPOINT_CORRUPT' || code === 'CHECKPOINT_MISMATCH') restartNext.add(id);
      changed();
      kick();
      return publicJob(id);
    },

    move(id, index) {
      const jobs = queue.move(id, index);
      changed();
      return jobs;
    },

    async remove(id) {
      const job = queue.get(id);
      const run = current(id);
      if (run) {
        run.why = 'remove';
        run.abort.abort();
        await run.settled;
      } else if (job.state === 'probing') {
        probes.get(id)?.abort();
        queue.setState(id, 'cancelled');
      }
      pauseAfterProbe.delete(id);
      const dir = queue.get(id).jobDir;
      queue.remove(id);
      crashes.delete(id);
      restartNext.delete(id);
      warningLists.delete(id);
      dropProgress(id, false);
      if (dir) await removeJobFolder(dir);
      changed();
      checkIdle();
    },

    warnings: (id) => [...(warningLists.get(id) ?? [])],

    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },

    async yieldEngine(reason) {
      yieldHolds++;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        yieldHolds--;
        if (yieldHolds === 0) kick();
      };
      const run = running;
      if (run) {
        if (run.why === null) {
          run.why = 'yield';
          run.yieldReason = reason;
          run.abort.abort();
        }
        await run.settled;
      }
      return release;
    },
  };
}
