import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelConfig, saveModelFiles } from './model-config';

const dir = mkdtempSync(path.join(tmpdir(), 'rs-model-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const settingsPath = path.join(dir, 'settings.json');
const model = path.join(dir, 'voxtral.gguf');
const mmproj = path.join(dir, 'mmproj.gguf');
writeFileSync(model, 'x');
writeFileSync(mmproj, 'x');

describe('readModelConfig', () => {
  it('no environment and no settings field: not ready, with a hint', async () => {
    const c = await readModelConfig({ env: {}, settingsPath });
    expect(c).toMatchObject({ ready: false, reason: 'no_model' });
    expect(c.ready === false && c.hint).toMatch(/ROTORSCRIBE_MODEL/);
  });

  it('ROTORSCRIBE_ENGINE=echo selects the echo engine with its delay', async () => {
    const c = await readModelConfig({
      env: { ROTORSCRIBE_ENGINE: 'echo', ROTORSCRIBE_ECHO_DELAY_MS: '40' },
      settingsPath,
    });
    expect(c).toEqual({ ready: true, source: 'env', engine: { kind: 'echo', delayMs: 40 } });
  });

  it('the settings file model field, overridden by the environment', async () => {
    writeFileSync(
      settingsPath,
      JSON.stringify({ theme: 'dark', model: { modelPath: model, mmprojPath: mmproj } }),
    );
    expect(await readModelConfig({ env: {}, settingsPath })).toEqual({
      ready: true,
      source: 'settings',
      engine: { kind: 'runtime', modelPath: model, mmprojPath: mmproj },
    });
    const other = path.join(dir, 'other.gguf');
    writeFileSync(other, 'x');
    const fromEnv = await readModelConfig({
      env: { ROTORSCRIBE_MODEL: other, ROTORSCRIBE_MMPROJ: mmproj },
      settingsPath,
    });
    expect(fromEnv).toMatchObject({ source: 'env', engine: { modelPath: other } });
  });

  it('a configured file that is gone, or relative paths in the file', async () => {
    writeFileSync(
      settingsPath,
      JSON.stringify({ model: { modelPath: path.join(dir, 'gone.gguf'), mmprojPath: mmproj } }),
    );
    expect(await readModelConfig({ env: {}, settingsPath })).toMatchObject({
      ready: false,
      reason: 'model_not_found',
      detail: 'gone.gguf',
    });
    writeFileSync(settingsPath, JSON.stringify({ model: { modelPath: 'a.gguf', mmprojPath: 'b.gguf' } }));
    expect(await readModelConfig({ env: {}, settingsPath })).toMatchObject({
      ready: false,
      reason: 'no_model',
    });
  });
});

describe('the model field next to the renderer settings', () => {
  it('survives settings updates, is never shown to the renderer and cannot be set by it', async () => {
    const { createSettingsStore } = await import('./settings-store');
    const file = path.join(dir, 'kept', 'settings.json');
    await saveModelFiles(file, { modelPath: model, mmprojPath: mmproj });
    const store = createSettingsStore(file);
    expect(await store.get()).not.toHaveProperty('model');
    await store.update({ theme: 'dark' });
    await expect(store.update({ model: { modelPath: model, mmprojPath: mmproj } })).rejects.toMatchObject({
      code: 'IPC_INVALID_PAYLOAD',
    });
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(onDisk).toMatchObject({ theme: 'dark', model: { modelPath: model, mmprojPath: mmproj } });
    expect(await readModelConfig({ env: {}, settingsPath: file })).toMatchObject({
      ready: true,
      source: 'settings',
    });
    await saveModelFiles(file, null);
    await store.update({ theme: 'light' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toHaveProperty('model');
    expect(await readModelConfig({ env: {}, settingsPath: file })).toMatchObject({
      ready: false,
      reason: 'no_model',
    });
  });
});
