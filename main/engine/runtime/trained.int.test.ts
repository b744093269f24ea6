/**
 * The runtime on trained weights (fixtures/trained, issue 20): held-out speech — sentences and a voice variant the
 * model never heard — transcribed through our addon with the f16 cache must give the words spoken (WER under a
 * bound) and every window must end on EOS, which the random-weight fixtures can never show.
 */
import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcmFromWav } from '../../../fixtures/audio';
import {
  heldOut,
  heldOutWav,
  trainedVoxtral,
  type HeldOutUtterance,
  type TrainedManifest,
} from '../../../fixtures/trained';
import { pooledWer, wordErrors } from '../../../fixtures/wer';
import { runtimeTestDir } from './testkit';
import { loadVoxtral, type VoxtralContext, type VoxtralModel } from './voxtral';

/**
 * The committed model's held-out WER in HF (bf16) is 5.1 % on single windows (manifest.training); through llama.cpp
 * with Q8_0 weights, espeak-ng + sox audio and the f16 cache it measured 24.3 % on these eight: 8.1 % on seven of
 * them, and one (short-03) falls into a repeated phrase near its end, which this test runs without the loop guard
 * (bench:wer runs the pipeline, guard included). The bound leaves room for other thread counts and CPUs, and still
 * fails on a second looping window, on noise (~100 %) or a broken audio path (the pooled audio rate gives loops).
 */
const WER_BOUND = 0.32;
const WINDOWS = 8;

const dir = runtimeTestDir('trained');
let manifest: TrainedManifest;
let model: VoxtralModel;
let ctx: VoxtralContext;
let utterances: HeldOutUtterance[];
let pcms: Float32Array[];

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  const trained = await trainedVoxtral();
  manifest = trained.manifest;
  utterances = heldOut(manifest, 'short').slice(0, WINDOWS);
  pcms = await Promise.all(utterances.map(async (u) => pcmFromWav(await heldOutWav(u, dir, 0.5))));
  model = await loadVoxtral({ modelPath: trained.modelPath, mmprojPath: trained.mmprojPath, threads: 2 });
  ctx = await model.createContext({ contextSize: 4096, parallel: 4, typeK: 'f16', typeV: 'f16', threads: 2 });
}, 120_000);

afterAll(async () => {
  ctx?.dispose();
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('trained model through the runtime', () => {
  it('tokenizes as the training script did (same BPE, control tokens at Voxtral ids)', () => {
    const checks = (manifest as TrainedManifest & { tokenizerCheck: { text: string; ids: number[] }[] })
      .tokenizerCheck;
    expect(checks.length).toBeGreaterThan(2);
    for (const c of checks)
      expect(Array.from(model.tokenize(c.text, { parseSpecial: false }))).toEqual(c.ids);
    expect(model.info.controlTokens.transcribe).toBe(34);
    expect(model.info.controlTokens.beginAudio).toBe(25);
  });

  it('transcribes held-out speech with the f16 cache: words within the WER bound, every window ends on EOS', async () => {
    const results: { reference: string; hypothesis: string }[] = [];
    for (let i = 0; i < pcms.length; i += 4) {
      const batch = pcms.slice(i, i + 4).map((pcm) => ({ pcm, language: 'en', maxTokens: 256 }));
      const { windows } = await ctx.transcribe(batch);
      windows.forEach((w, j) => {
        expect(w.stopReason, `${utterances[i + j]!.id}: ${w.text}`).toBe('eos');
        results.push({ reference: utterances[i + j]!.text, hypothesis: w.text });
      });
    }
    const wer = pooledWer(results);
    console.log(
      `trained model, f16 cache: WER ${(100 * wer).toFixed(1)} % on ${results.length} held-out windows\n` +
        results
          .map(
            (r, k) =>
              `  ${utterances[k]!.id} ${wordErrors(r.reference, r.hypothesis).errors} | ${r.hypothesis}`,
          )
          .join('\n'),
    );
    expect(wer).toBeLessThan(WER_BOUND);
    // and the text is not a fixed string: each window's words come from its own audio
    expect(new Set(results.map((r) => r.hypothesis)).size).toBe(results.length);
  }, 300_000);
});
