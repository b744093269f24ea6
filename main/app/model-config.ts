/**
 * Which engine the app's jobs run on. Main-only: the renderer can neither read nor set it (settings:set refuses the
 * `model` key; the settings store keeps it on disk untouched).
 *
 *   ROTORSCRIBE_ENGINE=echo                    the echo engine (text derived from the audio; demos and tests)
 *   ROTORSCRIBE_MODEL + ROTORSCRIBE_MMPROJ     the Voxtral GGUF and its audio encoder
 *   settings.json  "model": { "modelPath": "…", "mmprojPath": "…" }   the same, persisted (written by main, e.g. by the
 *                                                                     model download)
 *
 * The environment wins over the file. Without any of them jobs wait and the UI shows what is missing.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import type { JobEngine } from '../engine/host/protocol';
import { writeFileAtomic } from '../fs/atomic-write';

export type ModelConfig =
  | { ready: true; engine: JobEngine; source: 'env' | 'settings' }
  | { ready: false; reason: 'no_model' | 'model_not_found'; hint: string; detail?: string };

export interface ModelConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  /** userData/settings.json */
  settingsPath: string;
}

export const NO_MODEL_HINT =
  'RotorScribe needs the Voxtral-Mini-3B-2507 GGUF model and its audio encoder (mmproj) on this computer: download ' +
  'one on the Transcribe view (or `rotorscribe models pull`), import the two files you have, or set ' +
  'ROTORSCRIBE_MODEL and ROTORSCRIBE_MMPROJ to them.';

export interface ModelFiles {
  modelPath: string;
  mmprojPath: string;
}

/** The `model` field of settings.json, if it names two absolute paths. */
export function modelFromSettingsFile(stored: unknown): ModelFiles | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const model = (stored as { model?: unknown }).model;
  if (typeof model !== 'object' || model === null) return null;
  const { modelPath, mmprojPath } = model as { modelPath?: unknown; mmprojPath?: unknown };
  if (typeof modelPath !== 'string' || typeof mmprojPath !== 'string') return null;
  if (!path.isAbsolute(modelPath) || !path.isAbsolute(mmprojPath)) return null;
  return { modelPath, mmprojPath };
}

async function readSettingsFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null; // missing or damaged: the settings store falls back to defaults too
  }
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

export async function readModelConfig(sources: ModelConfigSources): Promise<ModelConfig> {
  const { env } = sources;
  if (env.ROTORSCRIBE_ENGINE === 'echo') {
    const delay = Number(env.ROTORSCRIBE_ECHO_DELAY_MS ?? 0);
    return {
      ready: true,
      source: 'env',
      engine: {
        kind: 'echo',
        ...(Number.isFinite(delay) && delay > 0 ? { delayMs: Math.min(delay, 60_000) } : {}),
      },
    };
  }
  let files: ModelFiles | null;
  let source: 'env' | 'settings' = 'env';
  if (env.ROTORSCRIBE_MODEL && env.ROTORSCRIBE_MMPROJ) {
    files = {
      modelPath: path.resolve(env.ROTORSCRIBE_MODEL),
      mmprojPath: path.resolve(env.ROTORSCRIBE_MMPROJ),
    };
  } else {
    files = modelFromSettingsFile(await readSettingsFile(sources.settingsPath));
    source = 'settings';
  }
  if (!files) return { ready: false, reason: 'no_model', hint: NO_MODEL_HINT };
  for (const p of [files.modelPath, files.mmprojPath]) {
    if (!(await isFile(p))) {
      return {
        ready: false,
        reason: 'model_not_found',
        hint: 'The configured model file is missing: download the model again or point the setting at its files.',
        detail: path.basename(p),
      };
    }
  }
  return { ready: true, source, engine: { kind: 'runtime', ...files } };
}

/**
 * Main's writer for the `model` field (e.g. after a model download); null removes it. The settings store re-reads
 * this field from disk whenever it saves, so the two never undo each other's writes.
 */
export async function saveModelFiles(settingsPath: string, files: ModelFiles | null): Promise<void> {
  const stored = await readSettingsFile(settingsPath);
  const next: Record<string, unknown> =
    typeof stored === 'object' && stored !== null ? { ...(stored as Record<string, unknown>) } : {};
  if (files) {
    if (!path.isAbsolute(files.modelPath) || !path.isAbsolute(files.mmprojPath))
      throw new RotorError('INTERNAL', 'Model paths must be absolute.');
    next.model = { modelPath: files.modelPath, mmprojPath: files.mmprojPath };
  } else delete next.model;
  await mkdir(path.dirname(settingsPath), { recursive: true });
  await writeFileAtomic(settingsPath, JSON.stringify(next, null, 2) + '\n');
}
