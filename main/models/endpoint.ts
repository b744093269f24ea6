/**
 * Where models come from and where they go. The endpoint is a Hub-style server (the public hub by default; a mirror,
 * an in-house server or the tests' 127.0.0.1 server otherwise): ROTORSCRIBE_MODEL_ENDPOINT (or HF_ENDPOINT, the name
 * other Hub clients read) wins over `"modelEndpoint"` in settings.json, a main-only field like `model`.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { normalizeEndpoint } from './http';

export const DEFAULT_MODEL_ENDPOINT = 'https://huggingface.co';
export const ENDPOINT_ENV = 'ROTORSCRIBE_MODEL_ENDPOINT';
export const MODELS_DIR_ENV = 'ROTORSCRIBE_MODELS_DIR';

type Env = Readonly<Record<string, string | undefined>>;

async function settingsEndpoint(settingsPath: string): Promise<string | undefined> {
  try {
    const stored: unknown = JSON.parse(await readFile(settingsPath, 'utf8'));
    const value = (stored as { modelEndpoint?: unknown } | null)?.modelEndpoint;
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function modelEndpoint(env: Env, settingsPath?: string): Promise<string> {
  const raw =
    env[ENDPOINT_ENV] ||
    env.HF_ENDPOINT ||
    (settingsPath ? await settingsEndpoint(settingsPath) : undefined) ||
    DEFAULT_MODEL_ENDPOINT;
  return normalizeEndpoint(raw);
}

/**
 * The app's user data folder as Electron names it (appData + product name), so the CLI and the app share one models
 * folder and one settings.json.
 */
export function appDataDir(
  env: Env,
  platform: NodeJS.Platform = process.platform,
  home = os.homedir(),
): string {
  if (platform === 'win32')
    return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'RotorScribe');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'RotorScribe');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'RotorScribe');
}

export function modelsDirFor(userDataDir: string, env: Env): string {
  return env[MODELS_DIR_ENV] ? path.resolve(env[MODELS_DIR_ENV]) : path.join(userDataDir, 'models');
}
