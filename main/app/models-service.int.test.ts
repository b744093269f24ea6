/**
 * The models service as the IPC handlers reach it, on a real user data folder and the Hub-style test server: a
 * download configures the app and refreshes the queue; a configured model that is partial or damaged is reported
 * (with the catalog entry to download again) instead of being handed to a job; import and remove.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelsState } from '@common/models-schema';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { catalogEntry } from '../models/catalog';
import { startHubServer, type HubServer } from '../models/testkit';
import { createModelsService } from './models-service';

const ENTRY = catalogEntry('voxtral-mini-q4_k_m');
const NO_SENDER = { senderFrame: null };
let root = '';
let server: HubServer;
let fixture = { modelPath: '', mmprojPath: '' };
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rs-models-service-'));
  fixture = await writeSyntheticVoxtral({ dir: path.join(root, 'fixture'), size: 'tiny', seed: 9 });
  server = await startHubServer({
    repos: {
      [ENTRY.repo]: {
        [ENTRY.model.path]: { source: fixture.modelPath },
        [ENTRY.mmproj.path]: { source: fixture.mmprojPath },
      },
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function service(dialog: string[] = []) {
  const userDataDir = path.join(root, `user-${++n}`);
  const broadcasts: ModelsState[] = [];
  let refreshed = 0;
  const s = createModelsService({
    userDataDir,
    env: { ROTORSCRIBE_MODEL_ENDPOINT: server.endpoint },
    onModelChanged: async () => void refreshed++,
    broadcast: (state) => broadcasts.push(state),
    showOpenModelDialog: async () => dialog,
    progressIntervalMs: 0,
  });
  return { s, userDataDir, broadcasts, refreshes: () => refreshed };
}

async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('models service', () => {
  it('no model: not ready, the smallest entry recommended without an advisor; a download configures the app', async () => {
    const { s, userDataDir, broadcasts, refreshes } = service();
    const first = await s.state();
    expect(first.active).toEqual({ ready: false });
    expect(first.recommended?.id).toBe(ENTRY.id);
    expect(first.variants.every((v) => !v.installed)).toBe(true);
    await s.download(ENTRY.id);
    await until('the app to use the download', () => broadcasts.some((b) => b.active.ready));
    const last = broadcasts.at(-1)!;
    expect(last.active).toMatchObject({
      ready: true,
      source: 'settings',
      id: ENTRY.id,
      name: ENTRY.model.path,
    });
    expect(last.variants.find((v) => v.id === ENTRY.id)?.installed).toBe(true);
    expect(refreshes()).toBe(1);
    const settings = JSON.parse(await readFile(path.join(userDataDir, 'settings.json'), 'utf8')) as {
      model: { modelPath: string };
    };
    expect(settings.model.modelPath).toBe(path.join(userDataDir, 'models', 'ggml-org', ENTRY.model.path));
    // the model in use is not deleted from under the queue
    await expect(s.remove(ENTRY.id)).rejects.toMatchObject({ code: 'JOB_INVALID_STATE' });
  });

  it('a configured model that was cut short: MODEL_TRUNCATED with the entry to download again, not ready', async () => {
    const { s, userDataDir } = service();
    const dir = path.join(userDataDir, 'models', 'ggml-org');
    await mkdir(dir, { recursive: true });
    const modelPath = path.join(dir, ENTRY.model.path);
    const mmprojPath = path.join(dir, ENTRY.mmproj.path);
    await copyFile(fixture.modelPath, modelPath);
    await copyFile(fixture.mmprojPath, mmprojPath);
    await truncate(modelPath, 3_000_000);
    await writeFile(
      path.join(userDataDir, 'settings.json'),
      JSON.stringify({ model: { modelPath, mmprojPath } }),
    );
    const state = await s.state();
    expect(state.active.ready).toBe(false);
    expect(state.active.id).toBe(ENTRY.id);
    expect(state.active.problem).toMatchObject({ code: 'MODEL_TRUNCATED', hint: 'Download it again.' });
    expect(state.active.problem?.message).toContain(ENTRY.model.path);
    // no path reaches the window
    expect(JSON.stringify(state)).not.toContain(userDataDir);
  });

  it('import: the dialog picks two files in any order, they are validated and used where they are', async () => {
    const { s, userDataDir } = service([fixture.mmprojPath, fixture.modelPath]);
    const state = await s.importFiles(NO_SENDER);
    expect(state.active).toMatchObject({
      ready: true,
      source: 'settings',
      name: path.basename(fixture.modelPath),
    });
    expect(state.active.id).toBeUndefined();
    const settings = JSON.parse(await readFile(path.join(userDataDir, 'settings.json'), 'utf8')) as {
      model: { modelPath: string; mmprojPath: string };
    };
    expect(settings.model).toEqual({ modelPath: fixture.modelPath, mmprojPath: fixture.mmprojPath });
    const { s: one } = service([fixture.modelPath]);
    await expect(one.importFiles(NO_SENDER)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const { s: twice } = service([fixture.modelPath, fixture.modelPath]);
    await expect(twice.importFiles(NO_SENDER)).rejects.toMatchObject({ code: 'MODEL_MMPROJ_MISMATCH' });
  });

  it('a configured file that is gone: MODEL_NOT_FOUND, not ready', async () => {
    const { s, userDataDir } = service();
    await mkdir(userDataDir, { recursive: true });
    await writeFile(
      path.join(userDataDir, 'settings.json'),
      JSON.stringify({ model: { modelPath: path.join(root, 'gone.gguf'), mmprojPath: fixture.mmprojPath } }),
    );
    const state = await s.state();
    expect(state.active).toMatchObject({ ready: false, problem: { code: 'MODEL_NOT_FOUND' } });
  });

  it('a job failing on the model file makes the window offer the re-download', async () => {
    const { s: svc, userDataDir, broadcasts } = service();
    const dir = path.join(userDataDir, 'models', 'ggml-org');
    await mkdir(dir, { recursive: true });
    const modelPath = path.join(dir, ENTRY.model.path);
    const mmprojPath = path.join(dir, ENTRY.mmproj.path);
    await copyFile(fixture.modelPath, modelPath);
    await copyFile(fixture.mmprojPath, mmprojPath);
    await writeFile(
      path.join(userDataDir, 'settings.json'),
      JSON.stringify({ model: { modelPath, mmprojPath } }),
    );
    expect((await svc.state()).active).toMatchObject({ ready: true, id: ENTRY.id });
    // the file is damaged while the app runs; the engine refuses it in a job
    await truncate(modelPath, 2_000_000);
    svc.noteJobs([{ id: 'j1', state: 'failed', error: { code: 'AUDIO_CORRUPT' } }]);
    svc.noteJobs([{ id: 'j2', state: 'done' }]);
    expect(broadcasts).toHaveLength(0);
    svc.noteJobs([{ id: 'j3', state: 'failed', error: { code: 'MODEL_TRUNCATED' } }]);
    await until('the recheck', () => broadcasts.length > 0);
    expect(broadcasts[0]!.active).toMatchObject({
      ready: false,
      id: ENTRY.id,
      problem: { code: 'MODEL_TRUNCATED' },
    });
    // the same failure seen again is not checked again
    svc.noteJobs([{ id: 'j3', state: 'failed', error: { code: 'MODEL_TRUNCATED' } }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(broadcasts).toHaveLength(1);
  });
});
