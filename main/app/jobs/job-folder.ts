/**
 * A queued job's checkpoint folder, `<userData>/jobs/<job id>`: where a resume finds its finished windows, what it
 * was started with (so a resume runs the same settings whatever the settings panel or free memory say now), and
 * its removal once the transcript is in the library.
 */
import { rmdir } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { deleteJobFolder } from '../../engine/checkpoints/delete-job';
import { CheckpointStore } from '../../engine/checkpoints/store';

export function jobDirFor(jobsDir: string, jobId: string): string {
  // ids are UUIDs from the queue; anything else must not become a path
  if (!/^[A-Za-z0-9-]{1,64}$/u.test(jobId))
    throw new RotorError('INTERNAL', 'Unexpected job id.', { detail: jobId });
  return path.join(jobsDir, jobId);
}

/** What an unfinished job folder was started with; null when there is none (or it cannot be read). */
export interface PinnedSettings {
  kvK?: KvCacheType;
  kvV?: KvCacheType;
  maxWindowSec?: number;
  maxGapSec?: number;
  /** null = pauses sent whole */
  maxPauseSec?: number | null;
  /** null = detect automatically */
  language?: string | null;
}

export async function pinnedSettings(dir: string): Promise<PinnedSettings | null> {
  const manifest = await CheckpointStore.readManifest(dir).catch(() => null);
  if (!manifest) return null;
  const out: PinnedSettings = {};
  if (isKvCacheType(manifest.engine.kvK)) out.kvK = manifest.engine.kvK;
  if (isKvCacheType(manifest.engine.kvV)) out.kvV = manifest.engine.kvV;
  const cutter = manifest.settings.cutter as { maxWindowSec?: unknown; maxGapSec?: unknown } | undefined;
  if (typeof cutter?.maxWindowSec === 'number') out.maxWindowSec = cutter.maxWindowSec;
  // how the job treated pauses: a job saved before pauses were shortened resumes without shortening them
  if (typeof cutter?.maxGapSec === 'number') out.maxGapSec = cutter.maxGapSec;
  const maxPauseSec = manifest.settings.maxPauseSec;
  out.maxPauseSec = typeof maxPauseSec === 'number' ? maxPauseSec : null;
  const language = manifest.settings.language;
  if (language === null || typeof language === 'string') out.language = language;
  return out;
}

/**
 * Removes the job folder; a folder the job created but never wrote a manifest to is removed only when empty. Never
 * throws: a folder left behind costs disk space, not correctness. Returns what was left, if anything.
 */
export async function removeJobFolder(dir: string): Promise<string | null> {
  try {
    await deleteJobFolder(dir);
    return null;
  } catch (error) {
    if (error instanceof RotorError && error.detail === 'not_a_job_folder') {
      const empty = await rmdir(dir).then(
        () => true,
        () => false,
      );
      if (empty) return null;
    }
    return error instanceof Error ? error.message : String(error);
  }
}
