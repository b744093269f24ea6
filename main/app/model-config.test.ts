import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelConfig } from './model-config';

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
