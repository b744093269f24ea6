import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { RotorError } from '@common/errors';
import { checkSettingsPatch, settingsFromStored, type Settings } from '@common/settings';
import { writeFileAtomic } from '../fs/atomic-write';

export interface SettingsStore {
  get(): Promise<Settings>;
  /** Validates and applies a partial update, persists it, and returns the full settings. */
  update(patch: unknown): Promise<Settings>;
}

/** Not Settings fields: the renderer never sees them (get) nor sets them (update refuses unknown keys). */
const MAIN_ONLY = ['model', 'modelEndpoint'] as const;

/** Settings in one JSON file whose path main chooses (userData/settings.json); the renderer never names a path. */
export function createSettingsStore(filePath: string): SettingsStore {
  let current: Settings | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Settings> {
    if (current) return current;
    let stored: unknown = null;
    try {
      stored = JSON.parse(await readFile(filePath, 'utf8'));
    } catch {
      // missing or corrupt file: start from defaults; the next save rewrites it
    }
    current = settingsFromStored(stored);
    return current;
  }

  /** Fields only main writes (model-config.ts: `model`; main/models/endpoint.ts reads `modelEndpoint`), kept as they are on disk when the renderer's settings change. */
  async function mainOnlyFields(): Promise<Record<string, unknown>> {
    try {
      const stored: unknown = JSON.parse(await readFile(filePath, 'utf8'));
      if (typeof stored !== 'object' || stored === null) return {};
      return Object.fromEntries(
        MAIN_ONLY.filter((k) => Object.hasOwn(stored, k)).map((k) => [
          k,
          (stored as Record<string, unknown>)[k],
        ]),
      );
    } catch {
      return {};
    }
  }

  async function save(next: Settings): Promise<void> {
    await mkdir(path.dirname(filePath), { recursive: true });
    // Atomic and durable: a crash or power loss never leaves a half (or empty) settings file behind.
    await writeFileAtomic(filePath, JSON.stringify({ ...next, ...(await mainOnlyFields()) }, null, 2) + '\n');
  }

  return {
    get: () => load().then((s) => ({ ...s })),
    update(patch) {
      const run = queue.then(async () => {
        const r = checkSettingsPatch(patch);
        if (!r.ok) throw new RotorError('IPC_INVALID_PAYLOAD', 'Invalid settings.', { detail: r.problem });
        const next = { ...(await load()), ...r.value };
        await save(next);
        current = next;
        return { ...next };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
