/**
 * The engine methods' params as valibot schemas: what the worker accepts from another process, and (through
 * v.InferOutput) the param types protocol.ts declares. Built from common/schema.ts, so unknown fields are refused and
 * every refusal names its field (IPC_INVALID_PAYLOAD's detail, e.g. `plan.parallel: expected an integer, got 1.5`).
 */
import { isAbsolute } from 'node:path';
import * as v from 'valibot';
import { RotorError } from '@common/errors';
import { KV_CACHE_TYPES, type KvCacheType } from '@common/kv-cache-types';
import { bool, check, empty, num, object, str } from '@common/schema';
import { MAX_WINDOW_SEC, MIN_WINDOW_SEC } from '@common/window-budget';

export const MAX_PARALLEL_WINDOWS = 16;
/** Windows up to what one 32k context holds with room for the text (~30 min; longer than 30 s = several chunks). */
export { MAX_WINDOW_SEC, MIN_WINDOW_SEC };
/** The shortest range a job transcribes: below a tenth of a second there is no word to find. */
export const MIN_RANGE_SEC = 0.1;
/** Positions beyond ~115 days of audio are a bug, not a recording. */
export const MAX_AUDIO_SEC = 1e7;

/** The worker's working directory is not the client's: every path must be absolute. */
const absolutePath = v.pipe(
  str({ min: 1, max: 4096 }),
  v.check((p) => isAbsolute(p), 'expected an absolute path'),
);

const KV_NAMES = KV_CACHE_TYPES.map((t) => t.name) as [KvCacheType, ...KvCacheType[]];
const kvType = v.picklist(KV_NAMES, 'expected a KV cache type');

export const jobEngineSchema = v.variant(
  'kind',
  [
    object({
      kind: v.literal('runtime'),
      modelPath: absolutePath,
      mmprojPath: absolutePath,
      threads: v.optional(num({ min: 1, max: 1024, integer: true })),
    }),
    object({ kind: v.literal('echo'), delayMs: v.optional(num({ min: 0, max: 60_000 })) }),
  ],
  'expected "runtime" or "echo"',
);

export const jobPlanSchema = object({
  kvK: kvType,
  kvV: kvType,
  maxWindowSec: num({ min: MIN_WINDOW_SEC, max: MAX_WINDOW_SEC }),
  parallel: num({ min: 1, max: MAX_PARALLEL_WINDOWS, integer: true }),
  /**
   * Where the advisor put the work (absent: CPU only, mtmd's defaults). Text-model layers on the GPU (nLayer + 1 also
   * moves the output head; a build without a GPU backend runs them on the CPU), the audio encoder on the GPU
   * (the advisor does so only when the whole decoder is there), flash attention, and compute threads (the engine's
   * own `threads` wins: that is the user's explicit setting).
   */
  gpuLayers: v.optional(num({ min: 0, max: 1000, integer: true })),
  mmprojGpu: v.optional(bool),
  flashAttention: v.optional(bool),
  threads: v.optional(num({ min: 1, max: 1024, integer: true })),
  /** Pauses up to this long stay inside a window (the cutter's maxGapSec; absent: its default). */
  maxGapSec: v.optional(num({ min: 0.5, max: 60 })),
  /** Pauses inside a window longer than this reach the model shortened to it (absent: not shortened). */
  maxPauseSec: v.optional(num({ min: 0.2, max: 60 })),
});

/** Part of a recording, in seconds from its start. */
export const audioRangeSchema = v.pipe(
  object({
    startSec: num({ min: 0, max: MAX_AUDIO_SEC }),
    endSec: num({ min: 0, max: MAX_AUDIO_SEC }),
  }),
  v.check(
    (r) => r.endSec - r.startSec >= MIN_RANGE_SEC,
    `endSec must be at least ${MIN_RANGE_SEC} s after startSec`,
  ),
);

export const jobParamsSchema = object({
  input: absolutePath,
  jobDir: absolutePath,
  existing: v.picklist(['resume', 'restart', 'refuse']),
  language: v.optional(str({ min: 1, max: 16, pattern: /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/u })),
  title: v.optional(str({ min: 1, max: 500 })),
  engine: jobEngineSchema,
  plan: jobPlanSchema,
  /** Transcribe only this part of the input; the transcript's times stay those of the whole recording. */
  range: v.optional(audioRangeSchema),
  /**
   * A recording in progress: the PCM arrives as `audio` messages on the request id (16 kHz mono) instead of being
   * decoded from `input`, which names the file being written (the transcript's label).
   */
  live: v.optional(v.literal(true)),
});

export const probeParamsSchema = object({ path: absolutePath });

export const pingParamsSchema = object({ echo: str({ max: 10_000 }) });

export const countParamsSchema = object({
  to: num({ min: 0, max: 1_000_000, integer: true }),
  intervalMs: num({ min: 0, max: 60_000 }),
});

export const pcmStatsParamsSchema = object({
  pcm: v.instance(Float32Array, 'expected a Float32Array'),
  sampleRate: num({ min: 8000, max: 192_000, integer: true }),
});

export const crashParamsSchema = object({ exitCode: num({ min: 1, max: 255, integer: true }) });

/** `undefined` or `{}`. */
export const emptyParamsSchema = empty;

/** A method's `parse`: the typed params, or IPC_INVALID_PAYLOAD naming the first field that is wrong. */
export function parserOf<S extends v.GenericSchema>(schema: S): (params: unknown) => v.InferOutput<S> {
  return (params) => {
    const r = check(schema, params);
    if (!r.ok) throw new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail: r.problem });
    return r.value;
  };
}
