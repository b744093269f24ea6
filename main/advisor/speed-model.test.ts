import { describe, expect, it } from 'vitest';
import type { RunConfig } from '@common/advisor-types';
import { SAMPLE_RATE } from '@common/audio';
import { chunkCapacitySamples, chunkFilledWindowSamples } from '@common/window-budget';
import { CPU_RUN_CONFIG } from './test-profiles';
import {
  AVX512_E2E_FIT,
  BF16_ENCODER_OVER_F16,
  calibrationFor,
  DEV_BOX_2CORE,
  DEV_BOX_2CORE_AVX2,
  DEV_BOX_2CORE_AVX512,
  type SpeedCalibration,
} from './speed-calibration';
import {
  decodeSeconds,
  estimateSpeed,
  FRONT_END_AUDIO_SEC_PER_CPU_SEC,
  PARALLEL_DECODE_COST,
  prefillSeconds,
  secPerToken,
  TEXT_TOKENS_PER_SPEECH_SEC,
  windowSeconds,
} from './speed-model';

const flat = (tokPerSec: number) => [{ depth: 0, tokPerSec }];

/** Flat rates, so every figure of an estimate can be worked out by hand. */
const TOY: SpeedCalibration = {
  id: 'toy',
  machine: 'test',
  threads: 2,
  weights: 'Q4_K_M',
  weightBytes: 1000,
  encoderMsPerChunk: { F16: 1000, Q8_0: 500 },
  prefillTokPerSec: { q8_0: 100, iso3: 200 },
  prefillDepthShape: [{ depth: 0, tokPerSec: 1 }],
  decodeTokPerSec: { q8_0: flat(10), iso3: flat(20), q4_0: flat(5) },
  threadScaling: { encoder: 1, prefill: 1, decode: 0 },
  sources: [],
};

const CONFIG: RunConfig = CPU_RUN_CONFIG;

const frontEnd = 3600 / FRONT_END_AUDIO_SEC_PER_CPU_SEC;

describe('secPerToken', () => {
  const pts = [
    { depth: 1000, tokPerSec: 10 },
    { depth: 3000, tokPerSec: 5 },
    { depth: 5000, tokPerSec: 2.5 },
  ];
  it('interpolates seconds per token between depths and extrapolates past the last two', () => {
    expect(secPerToken(pts, 1000)).toBeCloseTo(0.1, 12);
    expect(secPerToken(pts, 2000)).toBeCloseTo(0.15, 12);
    expect(secPerToken(pts, 4000)).toBeCloseTo(0.3, 12);
    expect(secPerToken(pts, 7000)).toBeCloseTo(0.6, 12);
  });
  it('never goes below the shallowest rate', () => {
    expect(secPerToken(pts, 0)).toBeCloseTo(0.1, 12);
    expect(secPerToken(flat(4), 1e6)).toBe(0.25);
    expect(() => secPerToken([], 1)).toThrow(RangeError);
  });
});

describe('prefillSeconds and decodeSeconds', () => {
  it('prefill: tokens over the rate, slower as the cache fills', () => {
    expect(prefillSeconds(TOY, 'q8_0', 750)).toBeCloseTo(7.5, 9);
    const shaped = {
      ...TOY,
      prefillDepthShape: [
        { depth: 0, tokPerSec: 1 },
        { depth: 1000, tokPerSec: 0.5 },
      ],
    };
    expect(prefillSeconds(shaped, 'q8_0', 2048)).toBeGreaterThan(2 * prefillSeconds(shaped, 'q8_0', 1024));
  });
  it('decode: mixed K/V take the mean step, heavier weights add their share of the shallow step', () => {
    expect(decodeSeconds(TOY, { k: 'q8_0', v: 'q8_0' }, 0, 100)).toBeCloseTo(10, 9);
    expect(decodeSeconds(TOY, { k: 'iso3', v: 'q8_0' }, 0, 100)).toBeCloseTo(7.5, 9);
    // weights twice the size: the shallow step (0.1 s, all weights here) counts twice
    expect(decodeSeconds(TOY, { k: 'q8_0', v: 'q8_0' }, 0, 100, 2)).toBeCloseTo(20, 9);
    // planar3 uses iso3's table; an uncalibrated 5-bit type the q8_0 one, a 4-bit one q4_0's
    expect(decodeSeconds(TOY, { k: 'planar3', v: 'planar3' }, 0, 100)).toBeCloseTo(5, 9);
    expect(decodeSeconds(TOY, { k: 'q5_0', v: 'q5_0' }, 0, 100)).toBeCloseTo(10, 9);
    expect(decodeSeconds(TOY, { k: 'iq4_nl', v: 'iq4_nl' }, 0, 100)).toBeCloseTo(20, 9);
  });
});

describe('estimateSpeed', () => {
  it('adds encoder, prefill and decode of a window full of speech, plus the front end', () => {
    const s = estimateSpeed({ config: CONFIG, weightBytes: 1000, calibration: TOY })!;
    const audioTokens = 8 + 2 * 375;
    const text = TEXT_TOKENS_PER_SPEECH_SEC * 60;
    expect(s.audioTokensPerWindow).toBe(audioTokens);
    expect(s.batch.encoderSec).toBeCloseTo(2, 9);
    expect(s.batch.prefillSec).toBeCloseTo(audioTokens / 100, 9);
    expect(s.batch.decodeSec).toBeCloseTo(text / 10, 9);
    const total = 2 + audioTokens / 100 + text / 10;
    // a 60 s plan's window is what 2 whole chunks hold (60 s exactly would take a third)
    const windowSec = chunkCapacitySamples(2) / SAMPLE_RATE;
    expect(s.audioSecPerWindow).toBe(windowSec);
    expect(s.chunksPerWindow).toBe(2);
    expect(s.wallSecPerAudioHour).toBeCloseTo((total * 3600) / windowSec + frontEnd, 6);
    expect(s.speedX).toBeCloseTo(3600 / ((total * 3600) / windowSec + frontEnd), 9);
  });

  it('counts the chunks the cutter fills: a 45 s plan sends 29.99 s windows in one chunk, not 45 s in two', () => {
    const at = (windowSeconds: number) =>
      estimateSpeed({ config: { ...CONFIG, windowSeconds }, weightBytes: 1000, calibration: TOY })!;
    expect(at(45).chunksPerWindow).toBe(1);
    expect(at(45).audioSecPerWindow).toBe(chunkFilledWindowSamples(45) / SAMPLE_RATE);
    expect(at(45).batch.encoderSec).toBeCloseTo(1, 9);
    expect(at(28)).toMatchObject({ chunksPerWindow: 1, audioSecPerWindow: 28 });
    expect(at(120).chunksPerWindow).toBe(4);
    // every length between two chunk multiples plans the same windows
    expect(at(59)).toEqual(at(45));
  });

  it('parallel windows share decode steps, not encoder or prefill work', () => {
    const one = estimateSpeed({ config: CONFIG, weightBytes: 1000, calibration: TOY })!;
    const two = estimateSpeed({
      config: { ...CONFIG, parallelWindows: 2 },
      weightBytes: 1000,
      calibration: TOY,
    })!;
    expect(two.batch.encoderSec).toBeCloseTo(2 * one.batch.encoderSec, 9);
    expect(two.batch.prefillSec).toBeCloseTo(2 * one.batch.prefillSec, 9);
    expect(two.batch.decodeSec).toBeCloseTo((1 + PARALLEL_DECODE_COST) * one.batch.decodeSec, 9);
    expect(two.speedX).toBeGreaterThan(one.speedX);
  });

  it('the pooled rate halves the audio tokens; a Q8_0 mmproj and more threads shorten the encoder', () => {
    const pooled = estimateSpeed({
      config: { ...CONFIG, tokenRate: 'pooled' },
      weightBytes: 1000,
      calibration: TOY,
    })!;
    expect(pooled.audioTokensPerWindow).toBe(8 + 2 * 188);
    const q8 = estimateSpeed({ config: CONFIG, weightBytes: 1000, calibration: TOY, mmproj: 'Q8_0' })!;
    expect(q8.batch.encoderSec).toBeCloseTo(1, 9);
    const four = estimateSpeed({ config: { ...CONFIG, threads: 4 }, weightBytes: 1000, calibration: TOY })!;
    expect(four.batch.encoderSec).toBeCloseTo(1, 9);
    expect(four.batch.decodeSec).toBeCloseTo(18, 9);
  });

  it('half-empty encoder chunks double the encoder and prefill share, not the decoding', () => {
    const full = estimateSpeed({ config: CONFIG, weightBytes: 1000, calibration: TOY })!;
    const half = estimateSpeed({ config: CONFIG, weightBytes: 1000, calibration: TOY, chunkFill: 0.5 })!;
    const b = full.batch;
    expect(half.batch.totalSec).toBeCloseTo(2 * (b.encoderSec + b.prefillSec) + b.decodeSec, 9);
  });

  it('gives no figure for a GPU plan (not calibrated)', () => {
    expect(estimateSpeed({ config: { ...CONFIG, gpuLayers: 33 }, weightBytes: 1000 })).toBeNull();
  });

  it("on the dev box's calibration: iso3 wins at depth, and today's CPU plan matches the 0.6-0.8x seen end to end", () => {
    const at = (kv: 'q8_0' | 'iso3' | 'f16', windowSeconds: number) =>
      estimateSpeed({
        config: { ...CONFIG, kvTypeK: kv, kvTypeV: kv, windowSeconds },
        weightBytes: DEV_BOX_2CORE.weightBytes,
      })!;
    expect(at('iso3', 1500).speedX).toBeGreaterThan(1.5 * at('q8_0', 1500).speedX);
    expect(at('iso3', 1500).speedX).toBeGreaterThan(at('f16', 1500).speedX);
    const today = at('q8_0', 120).speedX;
    expect(today).toBeGreaterThan(0.55);
    expect(today).toBeLessThan(0.85);
    expect(DEV_BOX_2CORE.sources.length).toBeGreaterThan(3);
  });

  it('picks the calibration of the kernels a CPU runs: AVX-512 VNNI + BF16 scales the AVX2 figures by the measured ratios', () => {
    expect(calibrationFor(undefined)).toBe(DEV_BOX_2CORE);
    expect(calibrationFor(['avx2', 'fma', 'f16c'])).toBe(DEV_BOX_2CORE_AVX2);
    expect(calibrationFor(['avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16'])).toBe(DEV_BOX_2CORE_AVX512);
    const config = { ...CONFIG, kvTypeK: 'iso3' as const, kvTypeV: 'iso3' as const, windowSeconds: 60 };
    const weightBytes = DEV_BOX_2CORE.weightBytes;
    const avx2 = estimateSpeed({ config, weightBytes, simd: ['avx2'] })!;
    const avx512 = estimateSpeed({ config, weightBytes, simd: ['avx512f', 'avx512_vnni', 'avx512_bf16'] })!;
    expect(avx512.calibration).toBe(DEV_BOX_2CORE_AVX512.id);
    // the same-load A/B ratios (zen4 over haswell, BF16 encoder weights over F16), then the end-to-end re-fit
    expect(avx512.batch.encoderSec / avx2.batch.encoderSec).toBeCloseTo(
      (49.52 / 77.51) * BF16_ENCODER_OVER_F16 * AVX512_E2E_FIT.encoder,
      3,
    );
    expect(avx512.batch.prefillSec / avx2.batch.prefillSec).toBeCloseTo(
      (42.86 / 77.87) * AVX512_E2E_FIT.prefill,
      9,
    );
    expect(avx512.batch.decodeSec).toBeCloseTo(avx2.batch.decodeSec * AVX512_E2E_FIT.decode, 9);
    // the Q8_0 mmproj stays slower than the F16 one with VNNI on this CPU
    expect(DEV_BOX_2CORE_AVX512.encoderMsPerChunk.Q8_0).toBeGreaterThan(
      DEV_BOX_2CORE_AVX512.encoderMsPerChunk.F16,
    );
  });

  it('per window: the audio heard and the text written, the same arithmetic as a plan', () => {
    const config = { ...CONFIG, windowSeconds: 60 };
    const plan = estimateSpeed({ config, weightBytes: 1000, calibration: TOY })!;
    const w = windowSeconds({ config, weightBytes: 1000, calibration: TOY, audioSec: 59.5, textTokens: 180 });
    expect(w.encoderSec).toBeCloseTo(plan.batch.encoderSec, 9);
    expect(w.prefillSec).toBeCloseTo(plan.batch.prefillSec, 9);
    expect(w.decodeSec).toBeCloseTo(plan.batch.decodeSec, 9);
    // half the audio: one chunk less; no text: no decoding
    const short = windowSeconds({
      config,
      weightBytes: 1000,
      calibration: TOY,
      audioSec: 29.5,
      textTokens: 0,
    });
    expect(short.encoderSec).toBeCloseTo(plan.batch.encoderSec / 2, 9);
    expect(short.decodeSec).toBe(0);
  });
});
