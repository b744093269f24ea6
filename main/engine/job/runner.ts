/**
 * One transcription job: decode → VAD → window cutter → batches of ≤ maxParallel windows → transcriber (with the
 * loop guard) → checkpoint (each window durable before the next batch starts) → assembly.
 *
 * Resume replays decode + VAD + cutter from the start of the file and skips the windows already in the log. Replaying
 * costs only front-end time (no model work) and is what makes the cuts exact: seeking ffmpeg restarts its resampler and
 * Silero's recurrent state, which shifts VAD decisions by a frame or so, hence different windows and different text.
 * Every window replayed is checked against its checkpointed bounds.
 */
import { RotorError } from '../../../common/errors';
import type { Transcript, TranscriptMeta } from '../../../common/transcript';
import {
  CheckpointStore,
  type EngineIdentity,
  type JobManifest,
  type LogRecord,
  type WindowRecord,
} from '../checkpoints/store';
import {
  type CutterConfig,
  type CutWindow,
  DEFAULT_CUTTER_CONFIG,
  SAMPLE_RATE,
  type SpeechRegion,
  WindowCutter,
} from '../scheduler/cutter';
import { DEFAULT_RETRY_CONFIG, runWindows, type RetryConfig } from '../scheduler/retry';
import type { Transcriber } from '../scheduler/transcriber';
import { assembleTranscript } from './assemble';
import { JobControl } from './control';
import { identifyInput, sameInput } from './input-identity';

/** The streaming VAD as main/engine/vad/silero.ts exposes it. */
export interface StreamingVad {
  push(pcm: Float32Array): Promise<SpeechRegion[]> | SpeechRegion[];
  readonly openStartSec: number | null;
  flush(): Promise<SpeechRegion[]> | SpeechRegion[];
  dispose?(): Promise<void> | void;
}

export type DecodedStream = AsyncIterable<Float32Array> & {
  stats(): { samples: number; corruptPackets: number; warnings: string[] };
};

export interface MemoryPlanRequest {
  maxWindowSec: number;
  /** What the transcriber could run at once. */
  requestedParallel: number;
  engine: EngineIdentity;
}

export interface MemoryPlan {
  fits: boolean;
  /** Windows the budget allows at once (≥ 1 when it fits). */
  maxParallel: number;
  /** One sentence: why it fits / does not, for the user. */
  reason: string;
}

export type PlanMemory = (request: MemoryPlanRequest) => MemoryPlan | Promise<MemoryPlan>;

export interface JobDeps {
  probe(path: string, opts: { signal?: AbortSignal }): Promise<{ durationSec: number | null }>;
  decode(path: string, opts: { signal?: AbortSignal; chunkSamples?: number }): DecodedStream;
  createVad(): Promise<StreamingVad>;
  transcriber: Transcriber;
  planMemory?: PlanMemory;
  /** Monotonic milliseconds (tests pass a fake clock). */
  now?: () => number;
}

export type ExistingJobPolicy = 'resume' | 'restart' | 'refuse';

export interface JobOptions {
  input: string;
  jobDir: string;
  /** What to do when jobDir already holds an unfinished job. A finished job is re-assembled when resuming. */
  existing: ExistingJobPolicy;
  language?: string;
  cutter?: Partial<CutterConfig>;
  retry?: Partial<Omit<RetryConfig, 'limits'>>;
  engine: EngineIdentity;
  /** Samples per decoded chunk: part of the settings (VAD/cut decisions are made at chunk ends). */
  chunkSamples?: number;
  control?: JobControl;
  onEvent?: (event: JobEvent) => void;
  title?: string;
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
  | { type: 'warning'; code: string; message: string }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'finished'; windows: number; segments: number; flagged: number; progress: JobProgress };

export interface JobProgress {
  windowsDone: number;
  /** Estimate from the audio length and the windows so far (exact once the job ends). */
  windowsTotal: number | null;
  audioSecDone: number;
  durationSec: number | null;
  elapsedSec: number;
  /** Wall seconds per audio second for the windows transcribed in this run (lower is faster); null before the first. */
  realTimeFactor: number | null;
  etaSec: number | null;
}

export interface JobResult {
  transcript: Transcript;
  records: WindowRecord[];
  manifest: JobManifest;
  progress: JobProgress;
  /** Windows restored from an earlier run. */
  restored: number;
  decode: { samples: number; corruptPackets: number; warnings: string[] };
}

const DEFAULT_CHUNK_SAMPLES = 32_768;

function baseName(path: string): string {
  return path.split(/[\\/]/u).pop() ?? path;
}

function settingsOf(opts: JobOptions, cutter: CutterConfig): Record<string, unknown> {
  const retry = { ...DEFAULT_RETRY_CONFIG, ...opts.retry };
  return {
    sampleRate: SAMPLE_RATE,
    chunkSamples: opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES,
    language: opts.language ?? null,
    cutter,
    retry: { ...retry, limits: retry.limits },
  };
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function mismatch(what: string, jobDir: string): RotorError {
  return new RotorError('CHECKPOINT_MISMATCH', `The saved job in ${jobDir} was made ${what}.`, {
    hint: 'Run without --resume to start over (the saved progress will be replaced), or choose another --out folder.',
  });
}

export async function runJob(opts: JobOptions, deps: JobDeps): Promise<JobResult> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const control = opts.control ?? new JobControl();
  const signal = control.signal;
  const emit = (e: JobEvent): void => opts.onEvent?.(e);
  const cutterCfg: CutterConfig = { ...DEFAULT_CUTTER_CONFIG, ...opts.cutter };
  // Validates the settings before any work.
  new WindowCutter(cutterCfg);

  const probe = await deps.probe(opts.input, { signal });
  const identity = await identifyInput(opts.input);
  const settings = settingsOf(opts, cutterCfg);
  const meta: TranscriptMeta = {
    title: opts.title ?? baseName(opts.input).replace(/\.[^.]+$/u, ''),
    source: { name: baseName(opts.input), durationSec: probe.durationSec },
  };
  if (opts.language) meta.language = opts.language;
  const engineInfo = Object.fromEntries(
    (['model', 'kvK', 'kvV'] as const)
      .filter((k) => opts.engine[k] !== undefined)
      .map((k) => [k, opts.engine[k]]),
  );
  if (Object.keys(engineInfo).length > 0) meta.engine = engineInfo;

  // ---- job directory: new, resumed, or refused
  const previous = await CheckpointStore.readManifest(opts.jobDir);
  let store: CheckpointStore;
  let manifest: JobManifest;
  let earlier: LogRecord[] = [];
  if (previous && opts.existing === 'resume') {
    if (!sameInput(previous.input, identity))
      throw mismatch(`for a different file (${previous.input.path})`, opts.jobDir);
    if (stableJson(previous.settings) !== stableJson(settings))
      throw mismatch('with different settings', opts.jobDir);
    if (stableJson(previous.engine) !== stableJson(opts.engine))
      throw mismatch('with a different model or cache type', opts.jobDir);
    const opened = await CheckpointStore.open(opts.jobDir, previous);
    store = opened.store;
    manifest = previous;
    earlier = opened.log.records;
    if (opened.log.droppedTail) {
      emit({
        type: 'warning',
        code: 'CHECKPOINT_CORRUPT',
        message: 'The last saved window was incomplete (interrupted write) and will be redone.',
      });
    }
  } else {
    if (previous && opts.existing === 'refuse') {
      const log = await CheckpointStore.peek(opts.jobDir);
      const unfinished = !log.records.some((r) => r.type === 'end') && log.records.length > 0;
      if (unfinished) {
        throw new RotorError(
          'CHECKPOINT_MISMATCH',
          `An unfinished job for this file is saved in ${opts.jobDir}.`,
          {
            hint: `Add --resume to continue it (${log.records.length} window(s) done), or --restart to discard it.`,
          },
        );
      }
    }
    manifest = {
      version: 1,
      createdAt: new Date().toISOString(),
      input: identity,
      settings,
      engine: opts.engine,
    };
    store = await CheckpointStore.create(opts.jobDir, manifest);
  }

  const restoredById = new Map<string, WindowRecord>();
  for (const r of earlier) if (r.type === 'window') restoredById.set(r.windowId, r);
  const ended = earlier.find((r) => r.type === 'end');
  const records: WindowRecord[] = [];
  let restoredCount = 0;
  const progress: JobProgress = {
    windowsDone: 0,
    windowsTotal: null,
    audioSecDone: 0,
    durationSec: probe.durationSec,
    elapsedSec: 0,
    realTimeFactor: null,
    etaSec: null,
  };
  let sessionAudioSec = 0;
  let sessionWallSec = 0;
  const updateProgress = (lastEndSec: number, final = false): void => {
    progress.windowsDone = records.length;
    progress.audioSecDone = Math.max(progress.audioSecDone, lastEndSec);
    progress.elapsedSec = (now() - started) / 1000;
    progress.realTimeFactor = sessionAudioSec > 0 ? sessionWallSec / sessionAudioSec : null;
    const dur = probe.durationSec;
    if (final) {
      progress.windowsTotal = records.length;
      progress.etaSec = 0;
    } else if (dur && progress.audioSecDone > 0 && records.length > 0) {
      progress.windowsTotal = Math.max(
        records.length,
        Math.round((records.length * dur) / progress.audioSecDone),
      );
      progress.etaSec =
        progress.realTimeFactor === null
          ? null
          : Math.max(0, dur - progress.audioSecDone) * progress.realTimeFactor;
    }
  };

  if (ended) {
    records.push(...[...restoredById.values()].sort((a, b) => a.index - b.index));
    restoredCount = records.length;
    await store.close();
    updateProgress(records.at(-1) ? records.at(-1)!.endSample / SAMPLE_RATE : 0, true);
    emit({
      type: 'started',
      jobDir: opts.jobDir,
      durationSec: probe.durationSec,
      restoredWindows: records.length,
      maxParallel: 0,
    });
    return finish({ samples: ended.samples, corruptPackets: 0, warnings: [] });
  }

  // ---- memory budget
  let maxParallel = Math.max(1, deps.transcriber.maxParallel);
  let memoryReason: string | undefined;
  if (deps.planMemory) {
    let plan: MemoryPlan | null = null;
    try {
      plan = await deps.planMemory({
        maxWindowSec: cutterCfg.maxWindowSec,
        requestedParallel: maxParallel,
        engine: opts.engine,
      });
    } catch (error) {
      // A budget that cannot be computed (unknown model file, probe failure) is reported, not fatal: the runtime
      // still refuses a context that cannot be allocated (CONTEXT_TOO_LARGE).
      emit({
        type: 'warning',
        code: 'OUT_OF_MEMORY',
        message: `The memory budget could not be checked: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (plan && (!plan.fits || plan.maxParallel < 1)) {
      await store.close();
      throw new RotorError('OUT_OF_MEMORY', `This configuration does not fit in memory: ${plan.reason}`, {
        hint: 'Choose a smaller model, a compressed KV cache (--kv-k/--kv-v) or a shorter window (--max-window-sec).',
      });
    }
    if (plan) {
      maxParallel = Math.min(maxParallel, plan.maxParallel);
      memoryReason = plan.reason;
    }
  }
  const earlierBatch = [...restoredById.values()][0]?.batch;
  if (earlierBatch !== undefined) {
    if (earlierBatch > maxParallel) {
      emit({
        type: 'warning',
        code: 'CHECKPOINT_MISMATCH',
        message: `The job started with ${earlierBatch} windows at a time; only ${maxParallel} fit now, so the rest may differ slightly from an uninterrupted run.`,
      });
    }
    maxParallel = Math.min(maxParallel, earlierBatch);
  }
  emit({
    type: 'started',
    jobDir: opts.jobDir,
    durationSec: probe.durationSec,
    restoredWindows: restoredById.size,
    maxParallel,
    ...(memoryReason ? { memory: memoryReason } : {}),
  });

  const offState = control.onStateChange((s) => emit({ type: s }));
  const vad = await deps.createVad();
  const cutter = new WindowCutter(cutterCfg);
  const stream = deps.decode(opts.input, {
    signal,
    chunkSamples: opts.chunkSamples ?? DEFAULT_CHUNK_SAMPLES,
  });
  let pending: CutWindow[] = [];

  const toRecord = (
    w: CutWindow,
  ): Omit<WindowRecord, 'text' | 'tokenCount' | 'stopReason' | 'attempts' | 'flags'> => ({
    type: 'window',
    windowId: w.id,
    index: w.index,
    startSample: w.startSample,
    endSample: w.endSample,
    speechStartSample: w.speechStartSample,
    speechEndSample: w.speechEndSample,
    hardStart: w.hardStart,
    hardEnd: w.hardEnd,
    overlapSamples: w.overlapSamples,
  });

  const windowEvent = (r: WindowRecord, status: WindowStatus): JobEvent => ({
    type: 'window',
    windowId: r.windowId,
    index: r.index,
    status,
    startSec: r.startSample / SAMPLE_RATE,
    endSec: r.endSample / SAMPLE_RATE,
    text: r.text,
    attempts: r.attempts,
    flags: r.flags,
  });

  const runBatch = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await control.waitIfPaused();
    if (signal.aborted) throw new RotorError('CANCELLED');
    const t0 = now();
    const outcomes = await runWindows(
      deps.transcriber,
      batch.map((w) => ({
        id: w.id,
        pcm: w.pcm,
        startSec: w.startSample / SAMPLE_RATE,
        ...(opts.language ? { language: opts.language } : {}),
      })),
      opts.retry,
      {
        signal,
        onPiece: (windowId, text) => emit({ type: 'piece', windowId, text }),
        onAttempt: (windowId, a) => {
          if (a.issues.length > 0) emit({ type: 'attempt', windowId, attempt: a.attempt, issues: a.issues });
        },
      },
    );
    sessionWallSec += (now() - t0) / 1000;
    const fresh: WindowRecord[] = batch.map((w, i) => {
      const o = outcomes[i]!;
      return {
        ...toRecord(w),
        text: o.text,
        tokenCount: o.tokenCount,
        stopReason: o.stopReason,
        attempts: o.attempts.length,
        flags: o.flags,
        ...(opts.language ? { language: opts.language } : {}),
        batch: maxParallel,
      };
    });
    // Durable before anything else happens: a crash from here on cannot lose these windows.
    await store.appendMany(fresh);
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      const o = outcomes[i]!;
      const record = fresh[i]!;
      records.push(record);
      sessionAudioSec += (w.endSample - w.startSample) / SAMPLE_RATE;
      emit(
        windowEvent(record, o.flags.includes('loop') || o.flags.includes('max_tokens') ? 'flagged' : 'done'),
      );
    }
    updateProgress(batch.at(-1)!.endSample / SAMPLE_RATE);
    emit({ type: 'progress', progress: { ...progress } });
  };

  const take = async (windows: CutWindow[]): Promise<void> => {
    for (const w of windows) {
      const saved = restoredById.get(w.id);
      if (saved) {
        if (
          saved.startSample !== w.startSample ||
          saved.endSample !== w.endSample ||
          saved.hardEnd !== w.hardEnd
        ) {
          throw new RotorError(
            'CHECKPOINT_MISMATCH',
            `Window ${w.id} no longer matches the saved job (the audio decodes differently).`,
            {
              hint: 'Run without --resume to start over.',
            },
          );
        }
        records.push(saved);
        restoredCount++;
        restoredById.delete(w.id);
        updateProgress(saved.endSample / SAMPLE_RATE);
        emit(windowEvent(saved, 'restored'));
        emit({ type: 'progress', progress: { ...progress } });
        continue;
      }
      const group = (x: CutWindow): number => Math.floor(x.index / maxParallel);
      if (pending.length > 0 && group(pending[0]!) !== group(w)) await runBatch();
      pending.push(w);
      if (pending.length >= maxParallel) await runBatch();
    }
  };

  let decodeStats: JobResult['decode'];
  try {
    for await (const pcm of stream) {
      if (signal.aborted) throw new RotorError('CANCELLED');
      const closed = await vad.push(pcm);
      await take(cutter.push(pcm, { closed, openStartSec: vad.openStartSec }));
    }
    await take(cutter.finish(await vad.flush()));
    await runBatch();
    decodeStats = stream.stats();
    if (restoredById.size > 0) {
      throw new RotorError('CHECKPOINT_MISMATCH', 'Saved windows were not found again in the audio.', {
        hint: 'Run without --resume to start over.',
      });
    }
    await store.append({ type: 'end', windows: records.length, samples: decodeStats.samples });
  } catch (error) {
    if (signal.aborted && !(error instanceof RotorError && error.code !== 'CANCELLED')) {
      throw new RotorError(
        'CANCELLED',
        `The job was cancelled; ${store.finishedWindows} finished window(s) are saved.`,
        {
          hint: 'Run again with --resume to continue.',
        },
      );
    }
    throw error;
  } finally {
    offState();
    await store.close();
    await vad.dispose?.();
  }
  if (decodeStats.corruptPackets > 0) {
    emit({
      type: 'warning',
      code: 'AUDIO_CORRUPT',
      message: `${decodeStats.corruptPackets} damaged audio packet(s) were skipped.`,
    });
  }
  updateProgress(records.at(-1) ? records.at(-1)!.endSample / SAMPLE_RATE : 0, true);
  return finish(decodeStats);

  function finish(decode: JobResult['decode']): JobResult {
    const transcript = assembleTranscript(records, meta);
    const flagged = records.filter((r) => r.flags.includes('loop') || r.flags.includes('max_tokens')).length;
    emit({
      type: 'finished',
      windows: records.length,
      segments: transcript.segments.length,
      flagged,
      progress: { ...progress },
    });
    return { transcript, records, manifest, progress: { ...progress }, restored: restoredCount, decode };
  }
}
