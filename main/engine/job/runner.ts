/**
 * One transcription job, as a pipeline of named stages with one orchestrator (this file) and one cleanup path:
 *
 *   source (stages/source.ts) → VAD + cutter (stages/front-end.ts) → transcriber (stages/window-pool.ts, batches.ts)
 *     → checkpoints (stages/job-folder.ts, checkpoints/store.ts) → assembly (assemble.ts)
 *
 * Every resource (the source, the checkpoint log's file handle, the control listener, the VAD) is registered with
 * the job's CleanupStack as soon as it exists and released on every path: success, error, cancellation.
 *
 * Resume replays source + VAD + cutter from the start and skips the windows already in the log. Replaying costs only
 * front-end time (no model work) and is what makes the cuts exact: seeking ffmpeg restarts its resampler and Silero's
 * recurrent state, which shifts VAD decisions by a frame or so, hence different windows and different text. Every
 * window replayed is checked against its checkpointed bounds.
 */
import { setMaxListeners } from 'node:events';
import { DEFAULT_CHUNK_SAMPLES, samplesToSec } from '@common/audio';
import { RotorError } from '@common/errors';
import type { JobStage } from '@common/library-schema';
import type { Transcript, TranscriptMeta } from '@common/transcript';
import { endedEarlyWarning } from '../audio/truncation';
import type { CheckpointStore, EngineIdentity, JobManifest, WindowRecord } from '../checkpoints/store';
import { type CutterConfig, type CutWindow, DEFAULT_CUTTER_CONFIG, WindowCutter } from '../scheduler/cutter';
import type { RetryConfig } from '../scheduler/retry';
import type { Transcriber } from '../scheduler/transcriber';
import { assembleTranscript } from './assemble';
import { JobControl } from './control';
import { isFlagged, transcribeBatch } from './stages/batches';
import { TokenCheckpointer, type TokenCheckpointOptions } from './stages/token-checkpoints';
import { WindowPool } from './stages/window-pool';
import { CleanupStack } from './stages/cleanup';
import { cancelledError } from './stages/errors';
import { cutWindows, type StreamingVad } from './stages/front-end';
import { type ExistingJobPolicy, openJob } from './stages/job-folder';
import { decideParallel, type PlanMemory } from './stages/memory';
import { type JobProgress, ProgressTracker } from './stages/progress';
import { jobSettings } from './stages/settings';
import { type AudioRange, shiftTranscript } from './stages/range';
import { createFileSource, type DecodedStream, type FileSourceDeps, type PcmSource } from './stages/source';
import { countingSource, StartupStages } from './stages/startup';

export type { CheckpointMismatchReason } from './stages/errors';
export { checkpointMismatchReason } from './stages/errors';
export type { ExistingJobPolicy } from './stages/job-folder';
export type { MemoryPlan, MemoryPlanRequest, PlanMemory } from './stages/memory';
export type { JobProgress } from './stages/progress';
export type { PcmSource, PushSource, SourceInfo, SourceStats } from './stages/source';
export type { AudioRange } from './stages/range';
export { createFileSource, createPushSource } from './stages/source';
export type { DecodedStream, StreamingVad };

export interface JobDeps {
  /** File source (with `decode`): used unless the job is given its own `source`. */
  probe?: FileSourceDeps['probe'];
  decode?: FileSourceDeps['decode'];
  createVad(): Promise<StreamingVad>;
  transcriber: Transcriber;
  planMemory?: PlanMemory;
  /** Monotonic milliseconds (tests pass a fake clock). */
  now?: () => number;
}

/** How a plan's windows are cut and sent (window length, gap that closes a window, pause shortening) as job options. */
export function windowingOf(plan: {
  maxWindowSec: number;
  maxGapSec?: number | undefined;
  maxPauseSec?: number | undefined;
}): Pick<JobOptions, 'cutter' | 'maxPauseSec'> {
  return {
    cutter: {
      maxWindowSec: plan.maxWindowSec,
      ...(plan.maxGapSec !== undefined ? { maxGapSec: plan.maxGapSec } : {}),
    },
    ...(plan.maxPauseSec !== undefined ? { maxPauseSec: plan.maxPauseSec } : {}),
  };
}

/**
 * The cutter a job runs: its options over the defaults, and windows budgeted in what the model hears when their
 * pauses are shortened (scheduler/cutter.ts `shortenedPauseSec`), so a window never sends more than its budget.
 */
export function cutterConfigOf(opts: Pick<JobOptions, 'cutter' | 'maxPauseSec'>): CutterConfig {
  return {
    ...DEFAULT_CUTTER_CONFIG,
    ...opts.cutter,
    ...(opts.maxPauseSec !== undefined ? { shortenedPauseSec: opts.maxPauseSec } : {}),
  };
}

export interface JobOptions {
  /** The recording (its path: identity, name, decode). With `source`, a label for the transcript's metadata. */
  input: string;
  jobDir: string;
  /**
   * An existing job in jobDir: 'resume' continues it (or returns its transcript if finished), 'refuse' returns a
   * finished one but refuses to touch an unfinished or different one, 'restart' replaces it.
   */
  existing: ExistingJobPolicy;
  language?: string;
  cutter?: Partial<CutterConfig>;
  /**
   * Pauses inside a window longer than this many seconds reach the model shortened to it (main/engine/job/pauses.ts:
   * less encoder and prefill work per window on a CPU). Absent: windows are sent as cut. Part of the settings.
   */
  maxPauseSec?: number;
  retry?: Partial<Omit<RetryConfig, 'limits'>>;
  engine: EngineIdentity;
  /** Samples per chunk fed to the VAD: part of the settings (VAD/cut decisions are made at chunk ends). */
  chunkSamples?: number;
  /** Where the PCM comes from instead of decoding `input` (e.g. createPushSource for a live recording). The job owns it and disposes it. */
  source?: PcmSource;
  control?: JobControl;
  onEvent?: (event: JobEvent) => void;
  title?: string;
  /**
   * Only this part of the file `input` (not with `source`). The manifest records it; window events and the
   * transcript carry the recording's own times, progress counts within the range.
   */
  range?: AudioRange;
  /** How often a decoding window's tokens are saved (defaults: 32 tokens or 2 s, whichever comes first). */
  tokenCheckpoints?: Partial<Pick<TokenCheckpointOptions, 'everyTokens' | 'everyMs'>>;
}

export type WindowStatus = 'restored' | 'done' | 'flagged';

export type JobEvent =
  | {
      type: 'started';
      jobDir: string;
      durationSec: number | null;
      restoredWindows: number;
      maxParallel: number;
      memory?: string;
      /** The job was finished before: its saved transcript is returned, nothing is transcribed. */
      alreadyFinished?: boolean;
    }
  | {
      type: 'window';
      windowId: string;
      index: number;
      status: WindowStatus;
      startSec: number;
      endSec: number;
      text: string;
      attempts: number;
      flags: string[];
    }
  | { type: 'attempt'; windowId: string; attempt: number; issues: string[] }
  | { type: 'piece'; windowId: string; text: string }
  | { type: 'progress'; progress: JobProgress }
  /** Before the first window is committed: the step the job is in (stages/startup.ts). */
  | { type: 'stage'; stage: JobStage }
  | { type: 'warning'; code: string; message: string }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'finished'; windows: number; segments: number; flagged: number; progress: JobProgress };

export interface JobResult {
  transcript: Transcript;
  records: WindowRecord[];
  manifest: JobManifest;
  progress: JobProgress;
  /** Windows restored from an earlier run. */
  restored: number;
  /** Windows whose kept text still looks like a loop or hit the output cap. */
  flagged: number;
  /** The job was already finished: the saved transcript was returned without model work. */
  alreadyFinished: boolean;
  decode: { samples: number; corruptPackets: number; warnings: string[] };
}

/** A window ready for the log: decoded by this run, or restored from the last one. */
type Committed = { fresh: WindowRecord[] } | { saved: WindowRecord };

function titleOf(name: string): string {
  return name.replace(/\.[^.]+$/u, '');
}

function transcriptMeta(opts: JobOptions, name: string, durationSec: number | null): TranscriptMeta {
  const meta: TranscriptMeta = {
    title: opts.title ?? titleOf(name),
    source: { name, durationSec },
  };
  if (opts.language) meta.language = opts.language;
  const engineInfo = Object.fromEntries(
    (['model', 'kvK', 'kvV'] as const)
      .filter((k) => opts.engine[k] !== undefined)
      .map((k) => [k, opts.engine[k]]),
  );
  if (Object.keys(engineInfo).length > 0) meta.engine = engineInfo;
  return meta;
}

function windowEvent(r: WindowRecord, status: WindowStatus, offsetSec: number): JobEvent {
  return {
    type: 'window',
    windowId: r.windowId,
    index: r.index,
    status,
    startSec: samplesToSec(r.startSample) + offsetSec,
    endSec: samplesToSec(r.endSample) + offsetSec,
    text: r.text,
    attempts: r.attempts,
    flags: r.flags,
  };
}

function defaultSource(
  opts: JobOptions,
  deps: JobDeps,
  chunkSamples: number,
  signal: AbortSignal,
): PcmSource {
  const { probe, decode } = deps;
  if (!probe || !decode)
    throw new RotorError('INTERNAL', 'The job has neither a source nor a decoder for its input.');
  return createFileSource(
    opts.input,
    { probe, decode },
    { chunkSamples, signal, ...(opts.range ? { range: opts.range } : {}) },
  );
}

export async function runJob(opts: JobOptions, deps: JobDeps): Promise<JobResult> {
  const now = deps.now ?? (() => performance.now());
  const startedMs = now();
  const control = opts.control ?? new JobControl();
  const signal = control.signal;
  const emit = (e: JobEvent): void => opts.onEvent?.(e);
  const warn = (code: string, message: string): void => emit({ type: 'warning', code, message });
  const cutterCfg = cutterConfigOf(opts);
  const chunkSamples = opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES;
  const cleanup = new CleanupStack();
  // The range's start in the recording: the PCM, the cuts and the checkpoint log count from there.
  const offsetSec = opts.range?.startSec ?? 0;
  let store: CheckpointStore | null = null;
  const startup = new StartupStages((stage) => emit({ type: 'stage', stage }), now);
  try {
    startup.readingAudio();
    // ---- source (owned from the start: disposed even if the settings are invalid)
    const source = cleanup.own(
      opts.source ?? defaultSource(opts, deps, chunkSamples, signal),
      'source',
      (s) => s.dispose(),
    );
    if (opts.range && opts.source)
      throw new RotorError('INTERNAL', 'A range applies to a file input, not to a given source.');
    // Validates the settings before any work.
    const cutter = new WindowCutter(cutterCfg);
    const info = await source.describe(signal);
    const meta = transcriptMeta(opts, info.name, info.durationSec);

    // ---- checkpoints: new, continued, already finished, or refused
    const job = await openJob({
      jobDir: opts.jobDir,
      existing: opts.existing,
      input: info.identity,
      settings: jobSettings({
        chunkSamples,
        language: opts.language,
        cutter: cutterCfg,
        retry: opts.retry,
        range: opts.range,
        maxPauseSec: opts.maxPauseSec,
      }),
      engine: opts.engine,
      onWarning: warn,
    });
    const progress = new ProgressTracker({
      durationSec: info.durationSec,
      maxWindowSec: cutterCfg.maxWindowSec,
      startedMs,
    });
    if (job.kind === 'finished') {
      for (const r of job.records) {
        progress.windowCut({
          startSec: samplesToSec(r.startSample),
          endSec: samplesToSec(r.endSample),
          overlapSec: samplesToSec(r.overlapSamples),
        });
        progress.windowRestored(samplesToSec(r.endSample));
      }
      emit({
        type: 'started',
        jobDir: opts.jobDir,
        durationSec: info.durationSec,
        restoredWindows: job.records.length,
        maxParallel: 0,
        alreadyFinished: true,
      });
      const done = progress.finish(samplesToSec(job.end.samples), now());
      return finish(job.records, job.manifest, meta, done, job.records.length, true, {
        samples: job.end.samples,
        corruptPackets: 0,
        warnings: [],
      });
    }
    store = cleanup.own(job.store, 'checkpoint log', (s) => s.close());
    const restored = job.restored;
    const tokens = new TokenCheckpointer(store, job.savedTokens, opts.tokenCheckpoints);

    // ---- memory budget, then the batch size (a resume keeps the one it started with)
    const budget = await decideParallel(
      deps.planMemory,
      {
        maxWindowSec: cutterCfg.maxWindowSec,
        requestedParallel: deps.transcriber.maxParallel,
        engine: opts.engine,
      },
      warn,
    );
    let batchSize = budget.maxParallel;
    if (restored.batch !== undefined) {
      if (restored.batch > batchSize) {
        warn(
          'CHECKPOINT_MISMATCH',
          `The job started with ${restored.batch} windows at a time; only ${batchSize} fit now, so the rest may differ slightly from an uninterrupted run.`,
        );
      }
      batchSize = Math.min(batchSize, restored.batch);
    }
    emit({
      type: 'started',
      jobDir: opts.jobDir,
      durationSec: info.durationSec,
      restoredWindows: restored.size,
      maxParallel: batchSize,
      ...(budget.reason ? { memory: budget.reason } : {}),
    });

    cleanup.defer(
      'control listener',
      control.onStateChange((s) => emit({ type: s })),
    );
    const vad = cleanup.own(await deps.createVad(), 'VAD', (v) => v.dispose?.());
    startup.findingSpeech();

    // ---- front end → transcriber → checkpoints
    const records: WindowRecord[] = [];
    let restoredCount = 0;
    // The windows decoding stop at the first failure (a failed write, an engine error) as at a cancel.
    const work = new AbortController();
    const stopWork = (): void => work.abort();
    signal.addEventListener('abort', stopWork, { once: true });
    cleanup.defer('work signal', () => signal.removeEventListener('abort', stopWork));
    const transcribe = async (w: CutWindow): Promise<Committed> => {
      // a pause holds the windows not started yet; those decoding finish
      await control.waitIfPaused();
      if (work.signal.aborted) throw new RotorError('CANCELLED');
      const fresh = await transcribeBatch([w], {
        transcriber: deps.transcriber,
        tokens,
        retry: opts.retry,
        language: opts.language,
        batchSize,
        maxPauseSec: opts.maxPauseSec,
        signal: work.signal,
        onPiece: (windowId, text) => emit({ type: 'piece', windowId, text }),
        onAttempt: (windowId, a) => {
          if (a.issues.length > 0) emit({ type: 'attempt', windowId, attempt: a.attempt, issues: a.issues });
        },
      }).catch(async (error: unknown) => {
        // The tokens of a cancelled window are being saved: done before the log closes.
        await tokens.settle().catch(() => undefined);
        throw error;
      });
      return { fresh };
    };
    const commit = async (c: Committed): Promise<void> => {
      // after a cancel nothing more is recorded: the job stops at the windows committed so far
      if (signal.aborted) throw new RotorError('CANCELLED');
      startup.end();
      if ('saved' in c) {
        records.push(c.saved);
        restoredCount++;
        progress.windowRestored(samplesToSec(c.saved.endSample));
        emit(windowEvent(c.saved, 'restored', offsetSec));
        emit({ type: 'progress', progress: progress.snapshot(now()) });
        return;
      }
      await tokens.settle();
      // Durable before anything else happens: a crash from here on cannot lose these windows.
      await store!.appendMany(c.fresh);
      for (const record of c.fresh) {
        records.push(record);
        progress.windowDone(samplesToSec(record.endSample));
        emit(windowEvent(record, isFlagged(record) ? 'flagged' : 'done', offsetSec));
      }
      emit({ type: 'progress', progress: progress.snapshot(now()) });
    };
    // Up to batchSize windows decode at once; each freed slot takes the next window as it is cut (the runtime's
    // continuous batching: a few more wait in its queue, their spectrograms computed ahead), and windows are
    // committed in order.
    const ahead = Math.max(0, Math.floor(deps.transcriber.queueAhead ?? 0));
    const pool = new WindowPool<CutWindow, Committed>(batchSize + ahead, transcribe, commit, stopWork);
    // every window in flight listens to it (retries, token checkpoints, the runtime's stream): not a leak
    setMaxListeners(Math.max(10, 4 * pool.limit), work.signal);

    try {
      const counted = countingSource(source, (n) => startup.read(n));
      for await (const w of cutWindows(counted, vad, cutter, { chunkSamples, signal })) {
        progress.windowCut({
          startSec: samplesToSec(w.startSample),
          endSec: samplesToSec(w.endSample),
          overlapSec: samplesToSec(w.overlapSamples),
        });
        const saved = restored.take(w);
        if (saved) {
          pool.addDone({ saved });
          continue;
        }
        await control.waitIfPaused();
        if (signal.aborted) throw new RotorError('CANCELLED');
        startup.windowSent(samplesToSec(w.startSample) + offsetSec, samplesToSec(w.endSample) + offsetSec);
        await pool.add(w);
      }
      await pool.drain();
      // a job paused while its last windows decoded stays paused: it ends only once resumed
      await control.waitIfPaused();
      if (signal.aborted) throw new RotorError('CANCELLED');
    } catch (error) {
      // no window may still be decoding or writing when the log closes
      stopWork();
      await pool.settled();
      throw error;
    }
    restored.checkAllFound();
    const decode = source.stats();
    await store.append({ type: 'end', windows: records.length, samples: decode.samples });
    if (decode.corruptPackets > 0)
      warn('AUDIO_CORRUPT', `${decode.corruptPackets} damaged audio packet(s) were skipped.`);
    // a video's sound may end before its picture: not by itself damage
    if (decode.endedEarly)
      warn(
        decode.endedEarly.video ? 'AUDIO_TRACK_SHORT' : 'AUDIO_CORRUPT',
        endedEarlyWarning(decode.endedEarly),
      );
    const done = progress.finish(samplesToSec(decode.samples), now());
    return finish(records, job.manifest, meta, done, restoredCount, false, decode);
  } catch (error) {
    if (signal.aborted && !(error instanceof RotorError && error.code !== 'CANCELLED'))
      throw cancelledError(store?.finishedWindows ?? 0);
    throw error;
  } finally {
    const failures = await cleanup.close();
    for (const f of failures)
      warn(
        'INTERNAL',
        `Releasing the ${f.what} failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
      );
  }

  function finish(
    records: WindowRecord[],
    manifest: JobManifest,
    meta: TranscriptMeta,
    progress: JobProgress,
    restored: number,
    alreadyFinished: boolean,
    decode: JobResult['decode'],
  ): JobResult {
    const transcript = shiftTranscript(assembleTranscript(records, meta), offsetSec);
    const flagged = records.filter(isFlagged).length;
    emit({
      type: 'finished',
      windows: records.length,
      segments: transcript.segments.length,
      flagged,
      progress,
    });
    return { transcript, records, manifest, progress, restored, flagged, alreadyFinished, decode };
  }
}
