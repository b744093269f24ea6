/**
 * The `job` engine method: one transcription job run inside the engine worker, for every client (CLI, Electron
 * main). The client has already planned memory with the advisor; this side loads (or reuses) the model, creates a
 * context exactly as planned, runs `runJob` and streams its events. Cancel arrives as the request's abort signal,
 * pause/resume as control messages on the same request id.
 */
import { isAbsolute } from 'node:path';
import { RotorError } from '../../../common/errors';
import { isKvCacheType, type KvCacheType } from '../../../common/kv-cache-types';
import type { EngineIdentity } from '../checkpoints/store';
import { JobControl } from '../job/control';
import { EchoTranscriber } from '../job/echo-transcriber';
import type { ExistingJobPolicy, JobDeps, runJob } from '../job/runner';
import type { Transcriber } from '../scheduler/transcriber';
import { MTMD_CHUNK_SEC } from '../scheduler/cutter';
import type { ModelCache, Disposable, ModelFiles } from './model-cache';
import type { JobEngine, JobMemory, JobParams, JobPlan } from './protocol';
import type { MethodTable } from './worker-runtime';

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

export const MAX_PARALLEL_WINDOWS = 16;
export const MAX_WINDOW_SEC = MTMD_CHUNK_SEC - 0.5;

/**
 * Params arrive from another process: checked field by field, unknown fields refused, every problem named by its
 * path (IPC_INVALID_PAYLOAD's detail). Hand-written so the worker depends on nothing but this file for it.
 */
class ParamsProblem extends Error {}

function record(
  value: unknown,
  path: string,
  required: string[],
  optional: string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ParamsProblem(`${path}: expected an object`);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key))
      throw new ParamsProblem(`${path}.${key}: unexpected field`);
  }
  for (const key of required) if (obj[key] === undefined) throw new ParamsProblem(`${path}.${key}: missing`);
  return obj;
}

function text(value: unknown, path: string, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new ParamsProblem(`${path}: expected a string of 1..${max} characters`);
  if (pattern && !pattern.test(value)) throw new ParamsProblem(`${path}: does not match ${pattern.source}`);
  return value;
}

function absolutePath(value: unknown, path: string): string {
  const p = text(value, path, 4096);
  if (!isAbsolute(p)) throw new ParamsProblem(`${path}: expected an absolute path`);
  return p;
}

function number(value: unknown, path: string, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new ParamsProblem(`${path}: expected a number in ${min}..${max}`);
  if (integer && !Number.isInteger(value)) throw new ParamsProblem(`${path}: expected an integer`);
  return value;
}

function kvType(value: unknown, path: string): KvCacheType {
  if (!isKvCacheType(value)) throw new ParamsProblem(`${path}: expected a KV cache type`);
  return value;
}

function planOf(value: unknown): JobPlan {
  const p = record(value, 'plan', ['kvK', 'kvV', 'maxWindowSec', 'parallel'], []);
  return {
    kvK: kvType(p.kvK, 'plan.kvK'),
    kvV: kvType(p.kvV, 'plan.kvV'),
    maxWindowSec: number(p.maxWindowSec, 'plan.maxWindowSec', 5, MAX_WINDOW_SEC),
    parallel: number(p.parallel, 'plan.parallel', 1, MAX_PARALLEL_WINDOWS, true),
  };
}

function engineOf(value: unknown): JobEngine {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind === 'echo') {
    const e = record(value, 'engine', ['kind'], ['delayMs']);
    return {
      kind,
      ...(e.delayMs !== undefined ? { delayMs: number(e.delayMs, 'engine.delayMs', 0, 60_000) } : {}),
    };
  }
  if (kind !== 'runtime') throw new ParamsProblem('engine.kind: expected "runtime" or "echo"');
  const e = record(value, 'engine', ['kind', 'modelPath', 'mmprojPath'], ['threads']);
  return {
    kind,
    modelPath: absolutePath(e.modelPath, 'engine.modelPath'),
    mmprojPath: absolutePath(e.mmprojPath, 'engine.mmprojPath'),
    ...(e.threads !== undefined ? { threads: number(e.threads, 'engine.threads', 1, 1024, true) } : {}),
  };
}

const EXISTING: readonly ExistingJobPolicy[] = ['resume', 'restart', 'refuse'];

export function parseJobParams(params: unknown): JobParams {
  try {
    const p = record(
      params,
      'params',
      ['input', 'jobDir', 'existing', 'engine', 'plan'],
      ['language', 'title'],
    );
    const existing = EXISTING.find((e) => e === p.existing);
    if (!existing) throw new ParamsProblem(`params.existing: expected one of ${EXISTING.join(', ')}`);
    return {
      input: absolutePath(p.input, 'params.input'),
      jobDir: absolutePath(p.jobDir, 'params.jobDir'),
      existing,
      engine: engineOf(p.engine),
      plan: planOf(p.plan),
      ...(p.language !== undefined
        ? { language: text(p.language, 'params.language', 16, /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/u) }
        : {}),
      ...(p.title !== undefined ? { title: text(p.title, 'params.title', 500) } : {}),
    };
  } catch (error) {
    if (error instanceof ParamsProblem)
      throw new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail: error.message });
    throw error;
  }
}

function parseEmpty(params: unknown): Record<string, never> {
  if (params === undefined) return {};
  try {
    record(params, 'params', [], []);
  } catch (error) {
    if (error instanceof ParamsProblem)
      throw new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail: error.message });
    throw error;
  }
  return {};
}

export function jobMethods<M extends Disposable>(deps: JobServiceDeps<M>): MethodTable {
  // One job at a time: the worker holds one model and one context.
  let busy = false;
  return {
    residentModel: {
      parse: parseEmpty,
      run: () => ({ model: deps.models.resident() }),
    },
    job: {
      parse: parseJobParams,
      async run(params, { signal, emit, onControl }) {
        if (busy) {
          throw new RotorError('ENGINE_BUSY', 'The engine is already running a job.', {
            hint: 'Wait for it to finish, or cancel it.',
          });
        }
        busy = true;
        const control = new JobControl();
        const onAbort = (): void => control.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
        onControl((message) => (message === 'pause' ? control.pause() : control.resume()));
        let engine: JobEngineInstance | undefined;
        try {
          const frontEnd = await deps.frontEnd();
          engine = await openEngine(deps, params);
          if (signal.aborted) throw new RotorError('CANCELLED');
          const result = await deps.runJob(
            {
              input: params.input,
              jobDir: params.jobDir,
              existing: params.existing,
              ...(params.language ? { language: params.language } : {}),
              ...(params.title ? { title: params.title } : {}),
              cutter: { maxWindowSec: params.plan.maxWindowSec },
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
          signal.removeEventListener('abort', onAbort);
          engine?.dispose();
          busy = false;
        }
      },
    },
  };
}

async function openEngine<M extends Disposable>(
  deps: JobServiceDeps<M>,
  params: JobParams,
): Promise<JobEngineInstance> {
  const { engine, plan } = params;
  if (engine.kind === 'echo') {
    return {
      transcriber: new EchoTranscriber(plan.parallel, engine.delayMs ?? 0),
      identity: { id: 'echo', kvK: plan.kvK, kvV: plan.kvV },
      dispose: () => undefined,
    };
  }
  const files: ModelFiles = {
    modelPath: engine.modelPath,
    mmprojPath: engine.mmprojPath,
    ...(engine.threads ? { threads: engine.threads } : {}),
  };
  const model = await deps.models.acquire(files);
  return deps.createEngine(model, plan, engine.threads);
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
