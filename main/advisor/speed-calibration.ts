/**
 * Measured speeds the speed model is calibrated on: data with its source, not code. One entry per machine class;
 * today the 2-core development box (AMD EPYC, 2 vCPUs, AVX2) with the real-dimension synthetic Voxtral
 * (fixtures/make.ts --size real: random weights at the real sizes, so the speed is the real model's), Q4_K_M text
 * weights, 2 threads. Rates at a depth are tokens per second with the cache already holding `depth` cells.
 */
import type { KvCacheType } from '@common/kv-cache-types';
import { applyFit, type SpeedFitFactors } from './speed-fit';

export interface DepthRate {
  depth: number;
  tokPerSec: number;
}

export interface SpeedCalibration {
  id: string;
  machine: string;
  /** Threads every figure was measured with. */
  threads: number;
  /** Text weights the decode and prefill figures were measured with, and their size (other weights scale by it). */
  weights: string;
  weightBytes: number;
  /** Encoder time for one 30 s chunk, by mmproj weight type. */
  encoderMsPerChunk: { F16: number; Q8_0: number };
  /** Decoder prefill (audio embeddings or text) from an empty cache, per K/V type. */
  prefillTokPerSec: Partial<Record<KvCacheType, number>>;
  /** How prefill slows as the cache fills: rate at a depth relative to the rate from an empty cache. */
  prefillDepthShape: DepthRate[];
  /** Single-sequence decode at depth, per K/V type (the rate on the K type's row; mixed pairs average K and V). */
  decodeTokPerSec: Partial<Record<KvCacheType, DepthRate[]>>;
  /** Exponents of the thread scaling for other thread counts: time ∝ threads^-exponent. */
  threadScaling: { encoder: number; prefill: number; decode: number };
  /** Where each figure comes from. */
  sources: string[];
}

/**
 * The 2-core box running ggml's AVX2 kernels (the `haswell` CPU variant: what a development build's default variant
 * set, x64 + haswell, loads on it).
 */
export const DEV_BOX_2CORE_AVX2: Readonly<SpeedCalibration> = Object.freeze({
  id: 'dev-box-2core-avx2-q4km',
  machine: '2-core AMD EPYC development box, AVX2 kernels (haswell variant), nothing else running',
  threads: 2,
  weights: 'Q4_K_M',
  weightBytes: 2_467_784_128,
  // Q8_0: slower on this CPU (load-normalized A/Bs 1.07x and 1.94x, geometric mean 1.44x; ±40 %)
  encoderMsPerChunk: { F16: 14_800, Q8_0: 21_300 },
  prefillTokPerSec: {
    f16: 25.87,
    q8_0: 24.3,
    q4_0: 20.8,
    iso3: 24.87,
    iso4: 24.55,
    planar3: 24.87,
    planar4: 24.55,
  },
  prefillDepthShape: [
    { depth: 0, tokPerSec: 1 },
    { depth: 991, tokPerSec: 1 },
    { depth: 7690, tokPerSec: 0.695 },
    { depth: 15346, tokPerSec: 0.597 },
  ],
  decodeTokPerSec: {
    // f16 at 256: not measured there; weights dominate a shallow step, so q8_0's figure stands in.
    f16: [
      { depth: 256, tokPerSec: 9.43 },
      { depth: 4096, tokPerSec: 5.154 },
      { depth: 16384, tokPerSec: 0.639 },
    ],
    q8_0: [
      { depth: 256, tokPerSec: 9.43 },
      { depth: 4096, tokPerSec: 3.423 },
      { depth: 16384, tokPerSec: 0.544 },
    ],
    q4_0: [
      { depth: 256, tokPerSec: 10.18 },
      { depth: 4096, tokPerSec: 2.722 },
      { depth: 16384, tokPerSec: 0.626 },
    ],
    iso4: [
      { depth: 256, tokPerSec: 10.93 },
      { depth: 4096, tokPerSec: 3.443 },
      { depth: 16384, tokPerSec: 1.023 },
    ],
    iso3: [
      { depth: 256, tokPerSec: 11.25 },
      { depth: 4096, tokPerSec: 4.051 },
      { depth: 16384, tokPerSec: 1.356 },
    ],
  },
  threadScaling: { encoder: 0.52, prefill: 0.64, decode: 0 },
  sources: [
    'encoder F16 mmproj 14.80 s per 30 s chunk, median of 3, quiet 2-core box: native/README.md, bench:engine table',
    'encoder Q8_0 mmproj: two bench:longform --mmproj q8_0 / f16 A/Bs on the same box under load, each scaled by the ratio of its identical audio prefill (main/advisor/README.md, "Speed model"): 1.07x and 1.94x the F16 time; ggml MUL_MAT n=512 F16 2-3x the GFLOPS of Q8_0 on this CPU',
    'prefill of 512 tokens from an empty cache per K/V type, 2 threads, quiet box: native/README.md, "After the sub-block scales"',
    'prefill depth shape: Q4_K_M text prefill 991 / 7690 / 15346 tokens on the 16-vCPU host (99.0 / 68.8 / 59.1 tok/s): native/README.md',
    'decode at 4096 / 16384 per K/V type, 2 threads, quiet box: native/README.md, "After the sub-block scales" table',
    'decode at 256: native/README.md, "After the quantizer change" (kv-decode --depths 256,4096, same box)',
    'thread scaling: this box (2 threads) against the 16-vCPU host (12 threads): encoder 14.80 → 5.84 s, audio prefill 28.6 → 90.5 tok/s; decode is memory-bound and measured with 2 threads on both',
  ],
});

/** Same-load A/B ratios of the AVX-512 kernels (zen4 variant) over the AVX2 ones (haswell), bench:longform. */
const AVX512_OVER_AVX2 = { encoder: 77.51 / 49.52, prefill: 77.87 / 42.86, q8MmprojOverF16: 63.54 / 49.52 };

/**
 * Encoder time with its F16 matmul weights held as BF16 (patch 0005: what the runtime does by default where the CPU
 * backend has AVX512_BF16) over the F16 weights as stored: median per-pair ratio of `bench/cpu-ab.ts --compare
 * encoder-bf16` (main/advisor/README.md, "Speed model").
 */
export const BF16_ENCODER_OVER_F16 = 0.74;

/**
 * End-to-end re-fit of the AVX-512 calibration: measured / predicted per part of a quiet `bench/e2e.ts
 * --calibration avx512` run, which prints the new values on its "fit:" line (they multiply these; all 1 = the
 * calibration as derived from the AVX2 figures and the A/B ratios). Fitted from `npm run bench:e2e -- --minutes 5
 * --calibration avx512` with the zen4 addon. First fitted 18:43–18:49 UTC 2026-12-02 (0.94x measured vs 1.16x
 * predicted; encoder 1.205, prefill 1.527, decode 0.923); re-fitted 02:27–02:32 UTC 2026-12-03 after the cutter
 * budgets windows in heard audio and decoding moved into the native generate loop (nothing else running, load average
 * 2.0 = the bench's own 2 threads): 1.18x measured vs 1.10x predicted, decode 9.72 tok/s against 8.15 before.
 */
export const AVX512_E2E_FIT: Readonly<SpeedFitFactors> = Object.freeze({
  encoder: 1.176,
  prefill: 1.445,
  decode: 0.783,
});

/**
 * The same box running ggml's AVX-512 kernels (VNNI, BF16: the `zen4` CPU variant, which a release build — every
 * variant — loads on this CPU). Derived from DEV_BOX_2CORE_AVX2 by same-load A/B ratios, because no quiet machine
 * was to be had for a fresh calibration: 30 s window, iso3, F16 mmproj, 2 threads, zen4 then haswell addon minutes
 * apart at load average 8–10 — encoder 49.5 vs 77.5 s (1.57x), audio prefill 380 tokens 42.9 vs 77.9 s (1.82x);
 * Q8_0 mmproj on zen4 63.5 s (1.28x the F16 time: still slower with VNNI). Decode is memory-bound and kept at the
 * AVX2 figures (16 tokens under that load were too few to measure a ratio).
 */
export const DEV_BOX_2CORE_AVX512: Readonly<SpeedCalibration> = Object.freeze(
  applyFit(
    {
      ...DEV_BOX_2CORE_AVX2,
      id: 'dev-box-2core-avx512-q4km',
      machine:
        '2-core AMD EPYC development box (Zen 5), AVX-512 kernels (zen4 variant), nothing else running',
      encoderMsPerChunk: {
        // an F16 mmproj runs as BF16 on these CPUs (patch 0005); a Q8_0 one stays Q8_0
        F16: Math.round(
          (DEV_BOX_2CORE_AVX2.encoderMsPerChunk.F16 / AVX512_OVER_AVX2.encoder) * BF16_ENCODER_OVER_F16,
        ),
        Q8_0: Math.round(
          (DEV_BOX_2CORE_AVX2.encoderMsPerChunk.F16 / AVX512_OVER_AVX2.encoder) *
            AVX512_OVER_AVX2.q8MmprojOverF16,
        ),
      },
      prefillTokPerSec: Object.fromEntries(
        Object.entries(DEV_BOX_2CORE_AVX2.prefillTokPerSec).map(([t, r]) => [
          t,
          r * AVX512_OVER_AVX2.prefill,
        ]),
      ),
      sources: [
        ...DEV_BOX_2CORE_AVX2.sources,
        'AVX-512: bench:longform --windows 30 --types iso3 --max-decode 16 --mmproj f16|q8_0 with ROTORSCRIBE_NATIVE_ADDON set to a zen4-variant build (ROTORSCRIBE_CPU_VARIANTS=zen4) and without (haswell), 14:33–14:47 UTC 2026-12-02, load average 8–10: encoder 49.52 / 77.51 s, prefill 42.86 / 77.87 s, Q8_0 mmproj encoder 63.54 s (main/advisor/README.md, "Speed model")',
        `F16 mmproj held as BF16 (patch 0005): ${BF16_ENCODER_OVER_F16} x the F16 encoder time, median of 6 interleaved pairs of bench/cpu-ab.ts --compare encoder-bf16, 17:52–18:19 UTC 2026-12-02, load 2–10 (0.64 in the one pair at load 2; main/advisor/README.md)`,
      ],
    },
    AVX512_E2E_FIT,
    {
      id: 'dev-box-2core-avx512-q4km',
      source:
        'end-to-end re-fit AVX512_E2E_FIT (quiet bench/e2e.ts --calibration avx512, 5-min meeting, 2026-12-03: encoder 1.176, prefill 1.445, decode 0.783; 1.18x measured)',
    },
  ),
);

/**
 * The default when the CPU's flags are not given: the AVX2 figures (the kernels every x86-64 build of the last
 * decade runs). Given the flags (`calibrationFor`), an AVX-512 VNNI + BF16 CPU gets DEV_BOX_2CORE_AVX512.
 */
export const DEV_BOX_2CORE: Readonly<SpeedCalibration> = DEV_BOX_2CORE_AVX2;

export const CALIBRATIONS: Readonly<Record<string, Readonly<SpeedCalibration>>> = Object.freeze({
  avx2: DEV_BOX_2CORE_AVX2,
  avx512: DEV_BOX_2CORE_AVX512,
});

/**
 * The calibration for a CPU's instruction set: AVX-512 with VNNI and BF16 runs the zen4-class kernels, anything else
 * on x86 the AVX2 ones. Without the CPU's flags: the default (DEV_BOX_2CORE).
 */
export function calibrationFor(simd: readonly string[] | undefined): Readonly<SpeedCalibration> {
  if (!simd) return DEV_BOX_2CORE;
  const has = (f: string): boolean => simd.includes(f);
  return has('avx512f') && has('avx512_vnni') && has('avx512_bf16')
    ? DEV_BOX_2CORE_AVX512
    : DEV_BOX_2CORE_AVX2;
}
