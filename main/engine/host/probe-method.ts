/**
 * The `probe` engine method: what ffmpeg sees in a file (duration, container, codec) before it is queued for a job.
 * It runs in the engine process, like the job's own decode, so a file that crashes the demuxer takes down the worker
 * (which restarts) and never the main process. Its errors are the decoder's RotorErrors (FILE_NOT_FOUND, FILE_EMPTY,
 * FILE_UNREADABLE, AUDIO_UNSUPPORTED, AUDIO_CORRUPT), typed across the process boundary.
 */
import type { AudioProbe } from '../audio/decode';
import { parserOf, probeParamsSchema } from './method-params';
import type { ParamsOf } from './protocol';
import type { MethodTable } from './worker-runtime';

export type ProbeParams = ParamsOf<'probe'>;

export const parseProbeParams: (params: unknown) => ProbeParams = parserOf(probeParamsSchema);

/** `probeAudio` is injected so the worker loads ffmpeg's wrapper only when a probe arrives. */
export function probeMethods(
  probeAudio: (path: string, opts: { signal?: AbortSignal }) => Promise<AudioProbe> = async (path, opts) =>
    (await import('../audio/decode')).probeAudio(path, opts),
): MethodTable {
  return {
    probe: {
      parse: parseProbeParams,
      run: ({ path }, { signal }) => probeAudio(path, { signal }),
    },
  };
}
