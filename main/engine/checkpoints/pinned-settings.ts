/**
 * What an unfinished job folder was started with, read from its manifest, so that a resume runs the same settings
 * whatever the settings panel, the command line or free memory say now (the engine refuses a resume whose settings
 * differ: CHECKPOINT_MISMATCH). Shared by the app's queue and the CLI.
 */
import { isKvCacheType, type KvCacheType } from '@common/kv-cache-types';
import { CheckpointStore } from './store';

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

/** null when the folder has no readable manifest (nothing to resume). */
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

/** The plan with the job's window layout (window length, pauses kept and shortened) put back as it was started. */
export function withPinnedLayout<
  P extends { maxWindowSec: number; maxGapSec?: number; maxPauseSec?: number },
>(plan: P, pinned: PinnedSettings | null): P {
  if (!pinned) return plan;
  const out: P = { ...plan };
  if (pinned.maxWindowSec !== undefined) out.maxWindowSec = pinned.maxWindowSec;
  if (pinned.maxGapSec !== undefined) out.maxGapSec = pinned.maxGapSec;
  if (pinned.maxPauseSec === null) delete out.maxPauseSec;
  else if (pinned.maxPauseSec !== undefined) out.maxPauseSec = pinned.maxPauseSec;
  return out;
}
