/**
 * Why the mmproj pre-check (engine/gguf/voxtral-encoder.ts) exists: handed straight to llama.cpp, an audio encoder
 * whose metadata disagree with its tensors does not fail, it aborts the process (GGML_ASSERT in the encoder graph
 * during the warmup). The native loader runs in a child here (testing/native-load.ts) so the abort kills the child,
 * not the test; the same files through validateModelPair (import, download) and loadVoxtral (every engine load, so
 * a file swapped on disk after its import too) are typed errors and this process lives on.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVoxtral } from '../engine/runtime/voxtral';
import { replaceString, setU32 } from './testing/craft';
import { validateModelPair } from './validate';

const repo = path.resolve(__dirname, '..', '..');
const TRAINED = path.join(repo, 'fixtures', 'trained');
const MODEL = path.join(TRAINED, 'voxtral-small-q8_0.gguf');
const MMPROJ = path.join(TRAINED, 'voxtral-small-mmproj-q8_0.gguf');

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rs-mmproj-abort-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Loads the pair with the native loader alone, in a child process. */
function nativeLoad(model: string, mmproj: string): Promise<ChildEnd> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'testing', 'native-load.ts'), model, mmproj],
      {
        cwd: repo,
        env: { ...process.env, TSX_TSCONFIG_PATH: path.join(repo, 'tsconfig.json') },
        timeout: 120_000,
      },
      (_error, stdout) => resolve({ code: child.exitCode, signal: child.signalCode, stdout }),
    );
  });
}

async function melBins80(name: string): Promise<string> {
  const file = path.join(dir, name);
  await copyFile(MMPROJ, file);
  // the conv1d kernel keeps its 128 input channels; the mel spectrogram fed to it now has 80
  await setU32(file, 'clip.audio.num_mel_bins', 80);
  return file;
}

describe('an mmproj that disagrees with itself', () => {
  it('loads as it is, and aborts the process that loads it natively once one value is changed', async () => {
    // the harness itself works: the untouched pair loads and the child exits normally
    const fine = await nativeLoad(MODEL, MMPROJ);
    expect(fine).toMatchObject({ code: 0, signal: null });
    expect(fine.stdout).toContain('loaded');
    const crafted = await melBins80('mel-80.gguf');
    const end = await nativeLoad(MODEL, crafted);
    // killed by the abort: no clean refusal, no load
    expect(end.signal === 'SIGABRT' || (end.code !== null && end.code !== 0)).toBe(true);
    expect(end.stdout).not.toMatch(/loaded|refused/);
  }, 240_000);

  it('is refused with a typed error at import and at every engine load, without reaching llama.cpp', async () => {
    const crafted = await melBins80('mel-80-b.gguf');
    const expected = expect.objectContaining({
      code: 'MODEL_MMPROJ_MISMATCH',
      message: expect.stringMatching(/a\.conv1d\.1\.weight has shape \[3, 128, 256\]/),
    });
    await expect(validateModelPair(MODEL, crafted)).rejects.toThrow(expected);
    await expect(loadVoxtral({ modelPath: MODEL, mmprojPath: crafted, warmup: true })).rejects.toThrow(
      expected,
    );
  });

  it('a file replaced on disk after its import is refused when the engine loads it', async () => {
    const mmproj = path.join(dir, 'imported-mmproj.gguf');
    const model = path.join(dir, 'imported-model.gguf');
    await copyFile(MMPROJ, mmproj);
    await copyFile(MODEL, model);
    await expect(validateModelPair(model, mmproj)).resolves.toMatchObject({ mmprojPath: mmproj });
    await copyFile(await melBins80('swap.gguf'), mmproj);
    await expect(loadVoxtral({ modelPath: model, mmprojPath: mmproj })).rejects.toThrow(
      expect.objectContaining({ code: 'MODEL_MMPROJ_MISMATCH' }),
    );
    // and a text model swapped for one without Voxtral's audio tokens
    await copyFile(MMPROJ, mmproj);
    await replaceString(model, '[TRANSCRIBE]', '<SPECIAL_34>');
    await expect(loadVoxtral({ modelPath: model, mmprojPath: mmproj })).rejects.toThrow(
      expect.objectContaining({ code: 'MODEL_TOKENIZER' }),
    );
  });
});
