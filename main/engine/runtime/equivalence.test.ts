/**
 * Our engine against llama.cpp's own code path: llama-mtmd-cli, built from the same patched source by
 * native/scripts/build.mjs, prompted raw in Voxtral's transcription mode at temperature 0. Same synthetic model, same
 * audio → the same greedy text, for both audio token rates and for a power-of-two and a real-like encoder width.
 * Both sides run on one thread with the same context size and batch, so the arithmetic is the same op for op.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../fixtures/audio';
import {
  TINY_ENCODER_WIDTH_POW2,
  TINY_ENCODER_WIDTH_REAL_LIKE,
  writeSyntheticVoxtral,
} from '../../../fixtures/voxtral';
import { buildTranscribePrompt } from './prompts';
import { runtimeTestDir, syntheticPcm } from './testkit';
import { loadVoxtral } from './voxtral';

const run = promisify(execFile);
const cli = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../native/build/bin/llama-mtmd-cli');
const dir = runtimeTestDir('equivalence');
const N_TOKENS = 24;

/** Reads back what the WAV holds (16-bit), so both sides see identical samples. */
function quantize16(pcm: Float32Array): Float32Array {
  return pcm.map((v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767) / 32768);
}

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('equivalence with llama-mtmd-cli', () => {
  it('the tool was built with the addon', () => {
    expect(existsSync(cli)).toBe(true);
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

        const runCli = (): Promise<{ stdout: string }> =>
          run(
            cli,
            [
              '-m',
              fx.modelPath,
              '--mmproj',
              fx.mmprojPath,
              '--audio',
              wav,
              '-p',
              buildTranscribePrompt(),
              '--jinja',
              '--chat-template',
              "{% for m in messages %}{{ m['content'] }}{% endfor %}",
              '--temp',
              '0',
              '-n',
              String(N_TOKENS),
              '-t',
              '1',
              '-c',
              '2048',
              '--no-warmup',
            ],
            {
              env: { ...process.env, MTMD_AUDIO_AVGPOOL: rate === 'pooled' ? '1' : '0' },
              maxBuffer: 1 << 24,
              timeout: 120_000,
            },
          );
        // llama.cpp's logger writes the generated text from a background thread and can lose the tail when the
        // process exits; a complete run ends with the blank line printed after generation, so retry until it does
        let stdout = '';
        for (let attempt = 0; attempt < 4 && !stdout.endsWith('\n\n'); attempt++)
          stdout = (await runCli()).stdout;
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
