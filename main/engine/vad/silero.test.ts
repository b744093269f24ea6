import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { SENTENCES, prng, speechClip } from '../../../fixtures/audio-long';
import { VAD_RUNTIME_ENV, type VadRuntime } from './runtime';
import { SileroVad, type SpeechRegion, VAD_FRAME_SAMPLES } from './silero';

const SR = 16_000;

/** Speech clips separated by known silences, over a faint noise floor; returns the truth in seconds. */
async function makeScene(): Promise<{ pcm: Float32Array; truth: SpeechRegion[] }> {
  const clips = [
    await speechClip(SENTENCES[0]!, 'en-us', 165),
    await speechClip(SENTENCES[6]!, 'en-gb+f3', 150),
    await speechClip(SENTENCES[14]!, 'en-us+m3', 180),
  ];
  const gaps = [1.0, 1.2, 2.0, 0.8];
  const total = gaps.reduce((a, g) => a + Math.round(g * SR), 0) + clips.reduce((a, c) => a + c.length, 0);
  const pcm = new Float32Array(total);
  const noise = prng(7);
  for (let i = 0; i < total; i++) pcm[i] = (noise() * 2 - 1) * 0.001;
  const truth: SpeechRegion[] = [];
  let pos = 0;
  clips.forEach((clip, i) => {
    pos += Math.round(gaps[i]! * SR);
    for (let j = 0; j < clip.length; j++) pcm[pos + j]! += clip[j]! / 32768;
    truth.push({ startSec: pos / SR, endSec: (pos + clip.length) / SR });
    pos += clip.length;
  });
  return { pcm, truth };
}

async function regionsOf(vad: SileroVad, pcm: Float32Array, sizes: () => number): Promise<SpeechRegion[]> {
  const out: SpeechRegion[] = [];
  for (let at = 0; at < pcm.length;) {
    const n = Math.min(sizes(), pcm.length - at);
    out.push(...(await vad.push(pcm.subarray(at, at + n))));
    at += n;
  }
  out.push(...(await vad.flush()));
  return out;
}

describe('SileroVad', () => {
  let scene: { pcm: Float32Array; truth: SpeechRegion[] };
  let vad: SileroVad;
  const frameProbs: number[] = [];

  beforeAll(async () => {
    scene = await makeScene();
    // 300 ms minimum silence: pauses between words do not split a sentence; the gaps between sentences do.
    vad = await SileroVad.load({ minSilenceMs: 300, onFrame: (p) => frameProbs.push(p) });
  });
  afterAll(async () => {
    await vad?.dispose();
  });

  it('finds the spoken sentences within 150 ms of the truth', async () => {
    const regions = await regionsOf(vad, scene.pcm, () => scene.pcm.length);
    expect(regions).toHaveLength(scene.truth.length);
    regions.forEach((r, i) => {
      expect(Math.abs(r.startSec - scene.truth[i]!.startSec)).toBeLessThanOrEqual(0.15);
      expect(Math.abs(r.endSec - scene.truth[i]!.endSec)).toBeLessThanOrEqual(0.15);
    });
  });

  it('gives the same regions and frame probabilities whatever the push sizes', async () => {
    frameProbs.length = 0;
    const whole = await regionsOf(vad, scene.pcm, () => scene.pcm.length);
    const wholeProbs = [...frameProbs];
    const rand = prng(3);
    const sizePool = [1, 7, 100, 511, 512, 513, 1500, 4096, 16_000, 33_333];
    for (let trial = 0; trial < 3; trial++) {
      frameProbs.length = 0;
      const chunked = await regionsOf(vad, scene.pcm, () => sizePool[Math.floor(rand() * sizePool.length)]!);
      expect(chunked).toEqual(whole);
      expect(frameProbs).toEqual(wholeProbs);
    }
    expect(wholeProbs).toHaveLength(Math.ceil(scene.pcm.length / VAD_FRAME_SAMPLES));
  });

  it('reports regions while streaming, not only at flush', async () => {
    const early: SpeechRegion[] = [];
    for (let at = 0; at < scene.pcm.length; at += 8000)
      early.push(...(await vad.push(scene.pcm.subarray(at, at + 8000))));
    const late = await vad.flush();
    expect(early.length).toBe(scene.truth.length - 1 + (late.length === 0 ? 1 : 0));
    expect(early.length + late.length).toBe(scene.truth.length);
  });

  it('exposes the start of a region in progress', async () => {
    const midFirst = Math.round(((scene.truth[0]!.startSec + scene.truth[0]!.endSec) / 2) * SR);
    await vad.push(scene.pcm.subarray(0, midFirst));
    expect(vad.openStartSec).not.toBeNull();
    expect(Math.abs(vad.openStartSec! - scene.truth[0]!.startSec)).toBeLessThan(0.15);
    vad.reset();
    expect(vad.openStartSec).toBeNull();
  });

  it('per-frame probabilities separate speech from silence and leave the stream untouched', async () => {
    const probs = await vad.probabilities(scene.pcm);
    const inSpeech = (i: number): boolean =>
      scene.truth.some(
        (t) =>
          (i * VAD_FRAME_SAMPLES) / SR > t.startSec + 0.1 &&
          ((i + 1) * VAD_FRAME_SAMPLES) / SR < t.endSec - 0.1,
      );
    const inSilence = (i: number): boolean =>
      scene.truth.every(
        (t) =>
          ((i + 1) * VAD_FRAME_SAMPLES) / SR < t.startSec - 0.2 ||
          (i * VAD_FRAME_SAMPLES) / SR > t.endSec + 0.3,
      );
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const speech = [...probs].filter((_, i) => inSpeech(i));
    const silence = [...probs].filter((_, i) => inSilence(i));
    expect(mean(speech)).toBeGreaterThan(0.7);
    expect(mean(silence)).toBeLessThan(0.1);
    expect(await regionsOf(vad, scene.pcm, () => 4096)).toHaveLength(scene.truth.length);
  });

  it('offsets region times after reset(startSec), for resumed streams', async () => {
    const base = await regionsOf(vad, scene.pcm, () => 16_000);
    vad.reset(100);
    const shifted = await regionsOf(vad, scene.pcm, () => 16_000);
    shifted.forEach((r, i) => {
      expect(r.startSec).toBeCloseTo(base[i]!.startSec + 100, 9);
      expect(r.endSec).toBeCloseTo(base[i]!.endSec + 100, 9);
    });
    vad.reset();
  });

  it('finds nothing in silence and rejects what is not float PCM', async () => {
    expect(await regionsOf(vad, new Float32Array(SR * 3), () => 5000)).toEqual([]);
    await expect(vad.push(new Int16Array(10) as unknown as Float32Array)).rejects.toMatchObject({
      code: 'AUDIO_BAD_FORMAT',
    });
  });

  it('refuses a missing model file with a typed error', async () => {
    const error = await SileroVad.load({ modelPath: '/nonexistent/silero.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RotorError);
    expect((error as RotorError).code).toBe('INTERNAL');
  });
});

// The wasm runtime is what Intel Macs run (onnxruntime-node has no darwin-x64 binary): the same model on the same
// audio must give the same frame probabilities, up to float rounding between the two builds, and the same regions.
describe('SileroVad on onnxruntime-web (wasm) against onnxruntime-node', () => {
  it('agrees frame by frame and region by region', async () => {
    const { pcm, truth } = await makeScene();
    const run = async (runtime: VadRuntime) => {
      const probs: number[] = [];
      const vad = await SileroVad.load({ minSilenceMs: 300, runtime, onFrame: (p) => probs.push(p) });
      try {
        expect(vad.runtime).toBe(runtime);
        return { probs, regions: await regionsOf(vad, pcm, () => 4096) };
      } finally {
        await vad.dispose();
      }
    };
    const native = await run('native');
    const wasm = await run('wasm');
    expect(wasm.probs).toHaveLength(native.probs.length);
    const maxDiff = Math.max(...native.probs.map((p, i) => Math.abs(p - wasm.probs[i]!)));
    expect(maxDiff).toBeLessThan(1e-3);
    // the runs are not trivially equal: the probabilities span silence and speech
    expect(Math.min(...wasm.probs)).toBeLessThan(0.1);
    expect(Math.max(...wasm.probs)).toBeGreaterThan(0.9);
    expect(wasm.regions).toHaveLength(truth.length);
    wasm.regions.forEach((r, i) => {
      expect(r.startSec).toBeCloseTo(native.regions[i]!.startSec, 3);
      expect(r.endSec).toBeCloseTo(native.regions[i]!.endSec, 3);
    });
  });

  it('is what ROTORSCRIBE_VAD_RUNTIME=wasm selects', async () => {
    const before = process.env[VAD_RUNTIME_ENV];
    process.env[VAD_RUNTIME_ENV] = 'wasm';
    try {
      const vad = await SileroVad.load();
      expect(vad.runtime).toBe('wasm');
      const probs = await vad.probabilities(new Float32Array(SR));
      expect(probs).toHaveLength(Math.ceil(SR / VAD_FRAME_SAMPLES));
      await vad.dispose();
    } finally {
      if (before === undefined) delete process.env[VAD_RUNTIME_ENV];
      else process.env[VAD_RUNTIME_ENV] = before;
    }
  });
});
