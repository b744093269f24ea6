/**
 * Our engine against llama.cpp's own code path: llama-mtmd-cli, built from the same patched source by
 * native/scripts/build.mjs, prompted raw in Voxtral's transcription mode at temperature 0. Same synthetic model, same
 * audio → the same greedy text, for both audio token rates and for a power-of-two and a real-like encoder width.
 * Both sides run on one thread with the same context size and batch, so the arithmetic is the same op for op.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../fixtures/audio';
import {
  TINY_ENCODER_WIDTH_POW2,
  TINY_ENCODER_WIDTH_REAL_LIKE,
  writeSyntheticVoxtral,
} from '../../../fixtures/voxtral';
import { MTMD_CLI, mtmdCliGreedy, quantize16, runtimeTestDir, syntheticPcm } from './testkit';
import { loadVoxtral } from './voxtral';

const dir = runtimeTestDir('equivalence');
const N_TOKENS = 24;

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('equivalence with llama-mtmd-cli', () => {
  it('the tool was built with the addon', () => {
    expect(existsSync(MTMD_CLI)).toBe(true);
  });

  for (const width of [TINY_ENCODER_WIDTH_REAL_LIKE, TINY_ENCODER_WIDTH_POW2]) {
    for (const rate of ['reference', 'pooled'] as const) {
      it(`same greedy text (encoder width ${width}, ${rate} rate)`, async () => {
        const fx = await writeSyntheticVoxtral({
          dir: join(dir, `w${width}`),
          size: 'tiny',
          seed: 21,
          encoderWidth: width,
          reuse: true,
        });
        // 7 s keeps the single 30 s chunk; the samples go through 16-bit like the WAV the CLI reads
        const pcm = quantize16(syntheticPcm(7, width));
        const wav = await writeWav(join(dir, `a${width}.wav`), pcm);

        const stdout = await mtmdCliGreedy({
          modelPath: fx.modelPath,
          mmprojPath: fx.mmprojPath,
          wav,
          nTokens: N_TOKENS,
          pooled: rate === 'pooled',
        });
        expect(stdout.endsWith('\n\n')).toBe(true);

        const model = await loadVoxtral({
          modelPath: fx.modelPath,
          mmprojPath: fx.mmprojPath,
          audioTokenRate: rate,
          threads: 1,
        });
        try {
          const ctx = await model.createContext({ contextSize: 2048, threads: 1 });
          const ours = await ctx.transcribe(pcm, { maxTokens: N_TOKENS });
          const w = ours.windows[0]!;
          expect(w.audioTokens).toBe(rate === 'reference' ? 375 : 188);
          expect(w.tokens.length).toBe(N_TOKENS);
          expect(w.text.length).toBeGreaterThan(0);
          // the CLI prints a newline, the generated text and a newline to stdout (logs go to stderr)
          expect(stdout.replace(/^\n/, '').replace(/\n+$/, '')).toBe(w.text);
        } finally {
          model.dispose();
        }
      });
    }
  }
});
