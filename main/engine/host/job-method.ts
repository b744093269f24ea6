/**
 * The `job` engine method: one transcription job run inside the engine worker, for every client (CLI, Electron
 * main). The client has already planned memory with the advisor; this side loads (or reuses) the model, creates a
 * context exactly as planned, runs `runJob` and streams its events. Cancel arrives as the request's abort signal,
 * pause/resume as control messages on the same request id.
 */
import { basename } from 'node:path';
import { RotorError } from '@common/errors';
import type { EngineIdentity } from '../checkpoints/store';
import { JobControl } from '../job/control';
import { EchoTranscriber } from '../job/echo-transcriber';
import { createPushSource, windowingOf, type JobDeps, type PushSource, type runJob } from '../job/runner';
import { placementOf } from '../job/runtime-transcriber';
import type { Transcriber } from '../scheduler/transcriber';
import { emptyParamsSchema, jobParamsSchema, parserOf } from './method-params';
import type { ModelCache, Disposable, ModelFiles } from './model-cache';
import type { JobMemory, JobParams, JobPlan } from './protocol';
import type { AudioMessage, MethodTable } from './worker-runtime';

/** The engine side of a job: a transcriber sized from the plan and what identifies it in the job manifest. */
export interface JobEngineInstance {
  transcriber: Transcriber;
  identity: EngineIdentity;
  /** What the context allocated (runtime engine). */
  memory?: JobMemory;
  dispose(): void;
}

export type FrontEnd = Pick<JobDeps, 'probe' | 'decode' | 'createVad'>;

export interface JobServiceDeps<M extends Disposable> {
  frontEnd: () => Promise<FrontEnd>;
  models: ModelCache<M>;
  /** Creates the context from the plan on a resident model. */
  createEngine: (model: M, plan: JobPlan, threads: number | undefined) => Promise<JobEngineInstance>;
  runJob: typeof runJob;
}

export { MAX_PARALLEL_WINDOWS, MAX_WINDOW_SEC } from './method-params';

/**
 * How long a new job waits for a cancelled one to finish saving its windows. The client is answered at once on a
 * cancel (a recording taking the engine from a queue job starts right behind it); a job that does not unwind in this
 * time is stuck, and the new one fails with ENGINE_BUSY.
 */
export const UNWIND_WAIT_MS = 30_000;

interface RunningJob {
  cancelled: boolean;
  settled: Promise<void>;
}

function busyError(): RotorError {
  return new RotorError('ENGINE_BUSY', 'The engine is already running a job.', {
    hint: 'Wait for it to finish, or cancel it.',
  });
}

/** True once `job` has settled, false after `ms`. */
async function settledWithin(job: RunningJob, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([job.settled.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

export const parseJobParams: (params: unknown) => JobParams = parserOf(jobParamsSchema);

const parseEmpty = parserOf(emptyParamsSchema);

export function jobMethods<M extends Disposable>(deps: JobServiceDeps<M>): MethodTable {
  // One job at a time: the worker holds one model and one context.
  let running: RunningJob | null = null;
  return {
    residentModel: {
      parse: parseEmpty,
      run: () => ({ model: deps.models.resident() }),
    },
    job: {
      parse: parseJobParams,
      async run(params, { signal, emit, onControl, onAudio }) {
        if (running && !running.cancelled) throw busyError();
        // Registered before any await: the host sends audio and pause/resume right behind the request.
        const live = params.live ? liveSource(params, onAudio) : undefined;
        const control = new JobControl();
        onControl((message) => (message === 'pause' ? control.pause() : control.resume()));
        const before = running;
        if (before) {
          // A cancelled job still saving its windows: this one starts when it is done.
          const freed = await settledWithin(before, UNWIND_WAIT_MS);
          if (!freed || running || signal.aborted) {
            await live?.dispose();
            throw signal.aborted ? new RotorError('CANCELLED') : busyError();
          }
        }
        let settle!: () => void;
        const mine: RunningJob = {
          cancelled: false,
          settled: new Promise<void>((resolve) => (settle = resolve)),
        };
        running = mine;
        const onAbort = (): void => {
          mine.cancelled = true;
          control.cancel();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        let engine: JobEngineInstance | undefined;
        try {
          const frontEnd = await deps.frontEnd();
          engine = await openEngine(deps, params, (fraction) =>
            emit({ type: 'stage', stage: { name: 'loading_model', fraction } }),
          );
          if (signal.aborted) throw new RotorError('CANCELLED');
          const result = await deps.runJob(
            {
              input: params.input,
              jobDir: params.jobDir,
              existing: params.existing,
              ...(params.language ? { language: params.language } : {}),
              ...(params.title ? { title: params.title } : {}),
              ...(params.range ? { range: params.range } : {}),
              ...(live ? { source: live } : {}),
              ...windowingOf(params.plan),
              engine: engine.identity,
              control,
              onEvent: emit,
            },
            { ...frontEnd, transcriber: engine.transcriber },
          );
          return {
            transcript: result.transcript,
            progress: result.progress,
            restored: result.restored,
            windows: result.records.length,
            flagged: result.records.filter((r) => r.flags.includes('loop') || r.flags.includes('max_tokens'))
              .length,
            decode: result.decode,
            engine: engine.identity,
            ...(engine.memory ? { memory: engine.memory } : {}),
          };
        } finally {
          // A job that failed before it took the source still owns it.
          await live?.dispose();
          signal.removeEventListener('abort', onAbort);
          engine?.dispose();
          running = null;
          settle();
        }
      },
    },
  };
}

function liveSource(
  params: JobParams,
  onAudio: ((listener: (message: AudioMessage) => void) => void) | undefined,
): PushSource {
  if (!onAudio) throw new RotorError('INTERNAL', 'This engine cannot receive live audio.');
  const source = createPushSource({ name: basename(params.input) });
  let open = true;
  onAudio((message) => {
    // Audio that arrives after the job stopped reading (cancelled, failed) has nowhere to go.
    if (!open) return;
    if (message.type === 'audio') source.push(message.pcm);
    else {
      open = false;
      source.end();
    }
  });
  const dispose = source.dispose.bind(source);
  source.dispose = () => {
    open = false;
    return dispose();
  };
  return source;
}

/** Model loads report many fractions (one a tensor): whole percents are enough for a progress line. */
function byPercent(report: (fraction: number) => void): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
    if (percent === last) return;
    last = percent;
    report(percent / 100);
  };
}

async function openEngine<M extends Disposable>(
  deps: JobServiceDeps<M>,
  params: JobParams,
  onLoad: (fraction: number) => void,
): Promise<JobEngineInstance> {
  const { engine, plan } = params;
  if (engine.kind === 'echo') {
    return {
      transcriber: new EchoTranscriber(plan.parallel, engine.delayMs ?? 0),
      identity: { id: 'echo', kvK: plan.kvK, kvV: plan.kvV },
      dispose: () => undefined,
    };
  }
  // The engine's threads are the user's explicit setting; the plan's are the advisor's default for this machine.
  const threads = engine.threads ?? plan.threads;
  const files: ModelFiles = {
    modelPath: engine.modelPath,
    mmprojPath: engine.mmprojPath,
    ...placementOf(plan, threads),
  };
  const model = await deps.models.acquire(files, byPercent(onLoad));
  return deps.createEngine(model, plan, threads);
}

/** ffmpeg decode + Silero VAD, loaded on first use (the worker starts without them). */
export async function defaultFrontEnd(): Promise<FrontEnd> {
  const audio = await import('../audio/decode');
  const vad = await import('../vad/silero');
  return {
    probe: (path, o) => audio.probeAudio(path, o),
    decode: (path, o) => audio.decodeAudio(path, o),
    createVad: () => vad.SileroVad.load(),
  };
}
