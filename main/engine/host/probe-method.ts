/**
 * The `probe` engine method: what ffmpeg sees in a file (duration, container, codec) before it is queued for a job.
 * It runs in the engine process, like the job's own decode, so a file that crashes the demuxer takes down the worker
 * (which restarts) and never the main process. Its errors are the decoder's RotorErrors (FILE_NOT_FOUND, FILE_EMPTY,
 * FILE_UNREADABLE, AUDIO_UNSUPPORTED, AUDIO_CORRUPT), typed across the process boundary.
 */
import { isAbsolute } from 'node:path';
import { RotorError } from '../../../common/errors';
import type { AudioProbe } from '../audio/decode';
import type { MethodTable } from './worker-runtime';

export type ProbeParams = { path: string };

export function parseProbeParams(params: unknown): ProbeParams {
  const problem = (detail: string): RotorError =>
    new RotorError('IPC_INVALID_PAYLOAD', undefined, { detail });
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw problem('params: expected an object');
  const keys = Object.keys(params);
  const extra = keys.find((k) => k !== 'path');
  if (extra !== undefined) throw problem(`params.${extra}: unexpected field`);
  const { path } = params as { path?: unknown };
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096)
    throw problem('params.path: expected a string of 1..4096 characters');
  // The worker's working directory is not the client's.
  if (!isAbsolute(path)) throw problem('params.path: expected an absolute path');
  return { path };
}

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
