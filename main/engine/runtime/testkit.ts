/** Test helpers shared by the runtime tests and the engine bench: synthetic audio, fixture paths, the tiny model. */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  TINY_ENCODER_WIDTH_REAL_LIKE,
  writeSyntheticVoxtral,
  type VoxtralFixture,
} from '../../../fixtures/voxtral';
import { buildTranscribePrompt } from './prompts';
import { loadVoxtral, type VoxtralContext, type VoxtralModel } from './voxtral';

/** Deterministic speech-like PCM: a few drifting harmonics with an envelope and seeded noise. */
export function syntheticPcm(seconds: number, seed = 1, sampleRate = 16000): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0xffffffff - 0.5;
  };
  const f0 = 110 + (seed % 7) * 17;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * (1.3 + seed * 0.1) * t);
    const f = f0 * (1 + 0.1 * Math.sin(2 * Math.PI * 0.7 * t));
    out[i] = 0.3 * env * (Math.sin(2 * Math.PI * f * t) + 0.5 * Math.sin(4 * Math.PI * f * t)) + 0.02 * rnd();
  }
  return out;
}

export function runtimeTestDir(name: string): string {
  return join(tmpdir(), `rotorscribe-${name}-${process.pid}`);
}

/**
 * The tiny synthetic Voxtral (real-like encoder width, seed 7) written into `dir`, loaded on 2 threads with one
 * 2048-cell context; the caller disposes the model.
 */
/** The tiny synthetic Voxtral with the real encoder width, written to `dir` and loaded (no context). */
export async function tinyVoxtralModel(
  dir: string,
  opts: { seed?: number; threads?: number } = {},
): Promise<{ fx: VoxtralFixture; model: VoxtralModel }> {
  await mkdir(dir, { recursive: true });
  const fx = await writeSyntheticVoxtral({
    dir,
    size: 'tiny',
    seed: opts.seed ?? 7,
    encoderWidth: TINY_ENCODER_WIDTH_REAL_LIKE,
  });
  const model = await loadVoxtral({
    modelPath: fx.modelPath,
    mmprojPath: fx.mmprojPath,
    threads: opts.threads ?? 2,
  });
  return { fx, model };
}

export async function tinyVoxtral(
  dir: string,
): Promise<{ fx: VoxtralFixture; model: VoxtralModel; ctx: VoxtralContext }> {
  const { fx, model } = await tinyVoxtralModel(dir);
  try {
    return { fx, model, ctx: await model.createContext({ contextSize: 2048, threads: 2 }) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** llama.cpp's own multimodal CLI, built from the same patched source by native/scripts/build.mjs. */
export const MTMD_CLI = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../native/build/bin/llama-mtmd-cli',
);

/** What a 16-bit WAV holds, so that our side and the CLI see identical samples. */
export function quantize16(pcm: Float32Array): Float32Array {
  return pcm.map((v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767) / 32768);
}

const run = promisify(execFile);

/**
 * llama-mtmd-cli prompted raw in Voxtral's transcription mode at temperature 0, on one thread with a 2048 context
 * (as the tests' own contexts). llama.cpp's logger writes the generated text from a background thread and can lose the
 * tail when the process exits; a complete run ends with the blank line printed after generation, so it is retried
 * until it does (the caller asserts that it did).
 */
export async function mtmdCliGreedy(opts: {
  modelPath: string;
  mmprojPath: string;
  wav: string;
  nTokens: number;
  pooled?: boolean;
}): Promise<string> {
  const args = [
    ...['-m', opts.modelPath, '--mmproj', opts.mmprojPath, '--audio', opts.wav],
    ...['-p', buildTranscribePrompt(), '--jinja'],
    ...['--chat-template', "{% for m in messages %}{{ m['content'] }}{% endfor %}"],
    ...['--temp', '0', '-n', String(opts.nTokens), '-t', '1', '-c', '2048', '--no-warmup'],
  ];
  const env = { ...process.env, MTMD_AUDIO_AVGPOOL: opts.pooled ? '1' : '0' };
  let stdout = '';
  for (let attempt = 0; attempt < 4 && !stdout.endsWith('\n\n'); attempt++) {
    stdout = (await run(MTMD_CLI, args, { env, maxBuffer: 1 << 24, timeout: 120_000 })).stdout;
  }
  return stdout;
}
