import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import type { HardwareInfo, Recommendation } from '@common/advisor-types';
import { VOXTRAL_VARIANTS } from './catalog';
import { SAFETY, estimateTotal } from './memory-model';
import {
  KV_PAIR_LADDER,
  belowFourBitQuality,
  measuredKvQuality,
  samePair,
  type KvPair,
} from '@common/kv-quality';
import {
  CPU_WINDOW_SECONDS,
  KV_QUALITY_ORDER,
  cacheTable,
  kvPairRefusal,
  estimateConfig,
  evaluate,
  planMemory,
  recommend,
  type AdvisorInput,
} from './recommend';
import { PROFILES } from './test-profiles';

const input = (hardware: HardwareInfo, extra: Partial<AdvisorInput> = {}): AdvisorInput => ({
  hardware,
  variants: VOXTRAL_VARIANTS,
  ...extra,
});

/** What must hold for any recommendation that claims to fit. */
function expectSelfConsistent(inp: AdvisorInput, r: Recommendation): void {
  expect(r.ok).toBe(true);
  expect(r.estimate.fits).toBe(true);
  for (const pool of r.estimate.pools) expect(pool.total).toBeLessThanOrEqual(pool.budget);
  // the estimate shown is the estimate of the config shown
  expect(estimateConfig(inp, r.config)).toEqual(r.estimate);
  expect(r.why).toContain(r.config.weights);
  expect(r.why).toContain(r.config.kvTypeK);
  for (const alt of r.alternatives) {
    const e = estimateConfig(inp, alt.config);
    expect(alt.fits).toBe(e.fits);
    expect(alt.totalBytes).toBe(estimateTotal(e));
    if (!alt.fits) expect(alt.reason).toMatch(/more than the .* budget|over the model's/);
    else expect(alt.reason).toMatch(/^fits/);
  }
}

describe('recommendations over hardware profiles', () => {
  it('8 GB RAM, no GPU: Q4_K_M on the CPU with a q8_0 cache', () => {
    const inp = input(PROFILES.cpu8);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.config).toMatchObject({
      weights: 'Q4_K_M',
      kvTypeK: 'q8_0',
      kvTypeV: 'q8_0',
      gpuLayers: 0,
      parallelWindows: 1,
      threads: 4,
      windowSeconds: CPU_WINDOW_SECONDS,
    });
    expect(r.estimate.pools.map((p) => p.pool)).toEqual(['ram']);
    expect(r.why).toMatch(/on the CPU/);
    // the more accurate weights that do not fit say by how much
    const q8 = r.alternatives.find((a) => a.label === 'Q8_0 weights')!;
    expect(q8.fits).toBe(false);
    expect(q8.reason).toMatch(/^would need [\d.]+ (GB|MB) more than the [\d.]+ GB RAM budget$/);
  });

  it('16 GB Apple unified memory: one pool, everything on the GPU', () => {
    const inp = input(PROFILES.apple16);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.estimate.pools).toHaveLength(1);
    expect(r.estimate.pools[0]!.pool).toBe('unified');
    expect(r.config.gpuLayers).toBe(31);
    expect(r.config.weights).toBe('Q8_0');
    // budget is bounded by what Metal may wire, not by total RAM
    expect(r.estimate.pools[0]!.budget).toBeLessThan(16 * 1024 ** 3 * 0.75);
  });

  it('6 GB VRAM laptop GPU: full offload made possible by a compressed cache', () => {
    const inp = input(PROFILES.laptop6);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.config.gpuLayers).toBe(31);
    expect(r.config.weights).toBe('Q4_K_M');
    expect(KV_QUALITY_ORDER.indexOf(r.config.kvTypeK)).toBeGreaterThan(KV_QUALITY_ORDER.indexOf('q8_0'));
    const f16 = r.alternatives.find((a) => a.label === 'f16 cache')!;
    expect(f16.fits).toBe(false);
    expect(f16.reason).toMatch(/VRAM budget/);
    // the reason cites the trained-weights measurement behind the order, then what the better cache would need
    expect(r.why).toMatch(
      /best cache that fits \(measured on trained weights: KL [\d.]+e-\d+ from f16, top-1 [\d.]+ %, WER [+-][\d.]+ points — npm run bench:wer, \d{4}-\d\d-\d\d\) \(f16 cache would need/,
    );
    const vram = r.estimate.pools.find((p) => p.pool === 'vram')!;
    const ram = r.estimate.pools.find((p) => p.pool === 'ram')!;
    expect(vram.breakdown.kv).toBeGreaterThan(0);
    expect(ram.breakdown.kv).toBe(0);
    // the token embedding stays in host memory even with every layer offloaded
    expect(ram.breakdown.weights).toBe(VOXTRAL_VARIANTS.find((v) => v.id === 'Q4_K_M')!.model.tokenEmbdBytes);
  });

  it('6 GB laptop without RotorQuant types built: falls back to upstream types', () => {
    const inp = input(PROFILES.laptop6, { supportedKvTypes: ['f16', 'q8_0', 'q4_0'] });
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(['f16', 'q8_0', 'q4_0']).toContain(r.config.kvTypeK);
  });

  it('24 GB VRAM desktop: Q8_0 weights, f16 cache, long windows in parallel', () => {
    const inp = input(PROFILES.desktop24);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.config).toMatchObject({
      weights: 'Q8_0',
      kvTypeK: 'f16',
      kvTypeV: 'f16',
      gpuLayers: 31,
      windowSeconds: 600,
      parallelWindows: 4,
    });
    expect(r.alternatives.find((a) => a.label === 'F16 weights')).toMatchObject({ fits: true });
  });

  it('4 GB RAM: a clear answer that nothing fits, not a crash', () => {
    const inp = input(PROFILES.ram4);
    const r = recommend(inp);
    expect(r.ok).toBe(false);
    expect(r.estimate.fits).toBe(false);
    expect(r.why).toMatch(/^Voxtral cannot run on this machine: even the smallest configuration/);
    expect(r.why).toMatch(/at least [\d.]+ GB of free memory/);
    expect(r.config.weights).toBe('Q4_K_M');
    expect(r.config.windowSeconds).toBe(30);
  });

  it('degrades to partial offload when the model cannot sit fully on a small GPU', () => {
    const small: HardwareInfo = {
      ...PROFILES.laptop6,
      devices: [
        {
          name: 'CUDA0',
          description: 'MX450',
          kind: 'gpu',
          totalBytes: 2 * 1024 ** 3,
          freeBytes: 2 * 1024 ** 3,
        },
      ],
    };
    const inp = input(small);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.config.gpuLayers).toBeGreaterThan(0);
    expect(r.config.gpuLayers).toBeLessThan(31);
    expect(r.why).toMatch(/layers on the GPU/);
    expect(r.alternatives.find((a) => a.label === 'everything on the GPU')?.fits).toBe(false);
  });
});

describe('speed by the kernels the CPU runs', () => {
  it('an AVX-512 VNNI + BF16 CPU gets its own calibration (faster encoder and prefill); an AVX2 one the default', () => {
    const avx2 = recommend(input(PROFILES.cpu8));
    const simd = [...PROFILES.cpu8.cpu.simd, 'avx512f', 'avx512_vnni', 'avx512_bf16'];
    const avx512 = recommend(input({ ...PROFILES.cpu8, cpu: { ...PROFILES.cpu8.cpu, simd } }));
    expect(avx512.config).toEqual(avx2.config);
    expect(avx512.speed!.calibration).not.toBe(avx2.speed!.calibration);
    expect(avx512.speed!.calibration).toMatch(/avx512/i);
    expect(avx512.speed!.batch.encoderSec).toBeLessThan(avx2.speed!.batch.encoderSec);
    expect(avx512.speed!.speedX).toBeGreaterThan(avx2.speed!.speedX);
  });
});

describe('overrides and the savings view', () => {
  it('shows the consequence of an override before it is committed', () => {
    const inp = input(PROFILES.laptop6);
    const r = recommend(inp);
    const f16 = evaluate(inp, r.config, { kvTypeK: 'f16', kvTypeV: 'f16' });
    expect(f16.estimate.fits).toBe(false);
    expect(f16.verdict).toMatch(/^Does not fit: needs [\d.]+ (GB|MB) more than the [\d.]+ GB VRAM budget\.$/);
    const shorter = evaluate(inp, r.config, { windowSeconds: 60, parallelWindows: 1 });
    expect(shorter.estimate.fits).toBe(true);
    expect(shorter.verdict).toMatch(/^Fits:/);
    expect(estimateTotal(shorter.estimate)).toBeLessThan(estimateTotal(r.estimate));
  });

  it('forces flash attention for a quantized V cache and rejects bad overrides with typed errors', () => {
    const inp = input(PROFILES.cpu8);
    const r = recommend(inp);
    expect(
      evaluate(inp, r.config, { kvTypeV: 'q4_0', flashAttention: false }).estimate.config.flashAttention,
    ).toBe(true);
    expect(
      evaluate(inp, r.config, { kvTypeK: 'f16', kvTypeV: 'f16', flashAttention: false }).estimate.config
        .flashAttention,
    ).toBe(false);
    for (const bad of [
      { kvTypeK: 'q3_xx' },
      { windowSeconds: -5 },
      { parallelWindows: 1.5 },
      { weights: 'Q9' },
      { threads: 999 },
    ]) {
      expect(() => evaluate(inp, r.config, bad as never)).toThrow(RotorError);
    }
  });

  it('lists every cache type with bytes, totals and minutes per window in a consistent order', () => {
    const inp = input(PROFILES.laptop6);
    const r = recommend(inp);
    const rows = cacheTable(inp, r.config);
    expect(rows.map((x) => ({ k: x.kvType, v: x.kvTypeV ?? x.kvType }))).toEqual([...KV_PAIR_LADDER]);
    const same = rows.filter((x) => x.kvTypeV === undefined);
    expect(same.map((x) => x.kvType)).toEqual([...KV_QUALITY_ORDER]);
    const f16 = same.find((x) => x.kvType === 'f16')!;
    const iso3 = same.find((x) => x.kvType === 'iso3')!;
    expect(f16.bytesPerToken / iso3.bytesPerToken).toBeCloseTo(256 / 51, 2);
    expect(f16.kvBytes / iso3.kvBytes).toBeCloseTo(256 / 51, 2);
    // only the cache and the decoder's working buffers (V rotation for quantized V) differ between the rows
    const decoder = (kv: 'f16' | 'iso3') =>
      estimateConfig(inp, { ...r.config, kvTypeK: kv, kvTypeV: kv }).pools.reduce(
        (a, p) => a + p.breakdown.computeDecoder,
        0,
      );
    expect(f16.totalBytes - iso3.totalBytes).toBe(
      f16.kvBytes - iso3.kvBytes + decoder('f16') - decoder('iso3'),
    );
    expect(decoder('iso3')).toBeGreaterThan(decoder('f16'));
    // smaller caches fit longer windows; each reported maximum really fits and 10 s more does not
    expect(iso3.maxWindowMinutes).toBeGreaterThan(f16.maxWindowMinutes);
    for (const row of rows) {
      const c = { ...r.config, kvTypeK: row.kvType, kvTypeV: row.kvTypeV ?? row.kvType };
      const seconds = row.maxWindowMinutes * 60;
      if (seconds > 0) expect(estimateConfig(inp, { ...c, windowSeconds: seconds }).fits).toBe(true);
      if (seconds < 3600) expect(estimateConfig(inp, { ...c, windowSeconds: seconds + 10 }).fits).toBe(false);
    }
  });

  it('marks cache types the runtime lacks as unavailable', () => {
    const inp = input(PROFILES.cpu8, { supportedKvTypes: ['f16', 'q8_0', 'q4_0'] });
    const rows = cacheTable(inp, recommend(inp).config);
    expect(rows.filter((x) => x.available).map((x) => x.kvType)).toEqual(['f16', 'q8_0', 'q4_0']);
    expect(rows.filter((x) => x.available).every((x) => x.kvTypeV === undefined)).toBe(true);
  });

  it('answers the job runner: fits and the largest parallel count that fits', () => {
    const inp = input(PROFILES.laptop6);
    const r = recommend(inp);
    const plan = planMemory(inp, r.config);
    expect(plan.fits).toBe(true);
    expect(plan.maxParallel).toBeGreaterThanOrEqual(r.config.parallelWindows);
    expect(estimateConfig(inp, { ...r.config, parallelWindows: plan.maxParallel }).fits).toBe(true);
    expect(estimateConfig(inp, { ...r.config, parallelWindows: plan.maxParallel + 1 }).fits).toBe(false);
    const none = planMemory(input(PROFILES.ram4), recommend(input(PROFILES.ram4)).config);
    expect(none).toMatchObject({ fits: false, maxParallel: 0 });
    expect(none.reason).toMatch(/^Does not fit/);
  });
});

/** A CPU machine whose RAM budget lies at `at` (0 = the `lo` pair's total, 1 = the `hi` pair's) at the CPU window × 1. */
function cpuBetween(lo: KvPair, hi: KvPair, at = 0.5): AdvisorInput {
  const probe = input(PROFILES.cpu8);
  const total = (p: KvPair) =>
    estimateConfig(probe, {
      ...recommend(probe).config,
      kvTypeK: p.k,
      kvTypeV: p.v,
      windowSeconds: CPU_WINDOW_SECONDS,
      parallelWindows: 1,
    }).pools[0]!.total;
  const budget = total(lo) + (total(hi) - total(lo)) * at;
  const freeBytes = (budget + SAFETY.ramReserve) / (1 - SAFETY.marginFraction);
  return input({ ...PROFILES.cpu8, ram: { totalBytes: 6 * 1024 ** 3, freeBytes } });
}

const Q8: KvPair = { k: 'q8_0', v: 'q8_0' };
const Q8_ISO3: KvPair = { k: 'q8_0', v: 'iso3' };
const ISO4: KvPair = { k: 'iso4', v: 'iso4' };
const ISO3: KvPair = { k: 'iso3', v: 'iso3' };
const ISO4_ISO3: KvPair = { k: 'iso4', v: 'iso3' };

describe('K and V chosen separately, in the measured order', () => {
  it('the ladder follows the measured KL, with q8_0 K / iso3 V as the step after q8_0', () => {
    const measured = KV_PAIR_LADDER.map(measuredKvQuality).filter((m) => m !== undefined);
    for (let i = 1; i < measured.length; i++)
      expect(measured[i]!.kl).toBeGreaterThanOrEqual(measured[i - 1]!.kl);
    const at = (p: KvPair) => KV_PAIR_LADDER.findIndex((x) => samePair(x, p));
    expect(at(Q8_ISO3)).toBe(at(Q8) + 1);
    expect(at(Q8_ISO3)).toBeLessThan(at({ k: 'q4_0', v: 'q4_0' }));
    // stage-3 model: planar3 (KL 7.4e-2) measured closer to f16 than iso3 (1.5e-1)
    expect(at({ k: 'planar3', v: 'planar3' })).toBeLessThan(at(ISO3));
    // every mixed pair of the ladder is measured; the one unmeasured pair is placed, not guessed better than q4_0
    for (const p of KV_PAIR_LADDER.filter((x) => x.k !== x.v)) expect(measuredKvQuality(p)).toBeDefined();
    expect(at({ k: 'planar4', v: 'planar4' })).toBe(at({ k: 'q4_0', v: 'q4_0' }) + 1);
  });

  it('when q8_0 no longer fits the CPU window, the mixed pair (K q8_0, V iso3) is chosen, not a 4-bit K', () => {
    const inp = cpuBetween(Q8_ISO3, Q8, 0.5);
    const r = recommend(inp);
    expectSelfConsistent(inp, r);
    expect(r.config).toMatchObject({
      weights: 'Q4_K_M',
      windowSeconds: CPU_WINDOW_SECONDS,
      kvTypeK: 'q8_0',
      kvTypeV: 'iso3',
    });
    expect(r.why).toMatch(
      /Q4_K_M weights, q8_0 K \/ iso3 V cache, 60 s windows × 1 on the CPU: q8_0 K \/ iso3 V is the best cache that fits \(measured on trained weights: KL 8\.\de-3/,
    );
    expect(r.alternatives.find((a) => a.label === 'q8_0 cache')?.fits).toBe(false);
    // the mixed pair costs less than q8_0 and more than iso4 per token, as its place on the ladder says
    const rows = cacheTable(inp, r.config);
    const per = (p: KvPair) =>
      rows.find((x) => x.kvType === p.k && (x.kvTypeV ?? x.kvType) === p.v)!.bytesPerToken;
    expect(per(Q8_ISO3)).toBeLessThan(per(Q8));
    expect(per(Q8_ISO3)).toBeGreaterThan(per(ISO4));
    expect(per(Q8_ISO3)).toBe((per(Q8) + per(ISO3)) / 2);
  });

  it('one step tighter iso4, then iso4 K / iso3 V (smaller than q4_0 and measured closer to f16), then 3-bit K', () => {
    const four = recommend(cpuBetween(ISO4, Q8_ISO3, 0.5));
    expect(four.config).toMatchObject({ weights: 'Q4_K_M', kvTypeK: 'iso4', kvTypeV: 'iso4' });
    expect(four.alternatives.find((a) => a.label === 'q8_0 K / iso3 V cache')?.fits).toBe(false);
    const mixed = recommend(cpuBetween(ISO4_ISO3, ISO4, 0.5));
    expect(mixed.config).toMatchObject({ weights: 'Q4_K_M', kvTypeK: 'iso4', kvTypeV: 'iso3' });
    // q4_0 ranks below it and needs more memory than iso4: it is never the step here
    const at = (p: KvPair) => KV_PAIR_LADDER.findIndex((x) => samePair(x, p));
    expect(at(ISO4_ISO3)).toBeLessThan(at({ k: 'q4_0', v: 'q4_0' }));
    expect(at(ISO4_ISO3)).toBeLessThan(at({ k: 'iso3', v: 'iso4' }));
    const three = recommend(cpuBetween(ISO3, ISO4_ISO3, 0.05));
    expect(three.ok).toBe(true);
    expect(three.config.weights).toBe('Q4_K_M');
    // the best-measured 3-bit type of iso3's size
    expect(three.config.kvTypeK).toBe('planar3');
  });

  it('a pair below q4_0 in measured quality is taken only with the smallest weights; q8_0 K / iso3 V is not one', () => {
    expect(belowFourBitQuality(ISO3)).toBe(true);
    expect(belowFourBitQuality({ k: 'iso3', v: 'iso4' })).toBe(true);
    expect(belowFourBitQuality(Q8_ISO3)).toBe(false);
    expect(belowFourBitQuality(ISO4)).toBe(false);
    expect(belowFourBitQuality(ISO4_ISO3)).toBe(false);
    // unmeasured: judged by bits
    expect(belowFourBitQuality({ k: 'planar4', v: 'planar4' })).toBe(false);
    expect(belowFourBitQuality({ k: 'iso2', v: 'iso2' })).toBe(true);
  });

  it('GPU plans take same-type pairs only (devices report K = V), CPU plans every built pair', () => {
    const inp = input(PROFILES.laptop6);
    expect(kvPairRefusal(inp, Q8_ISO3, true)).toMatch(/mixed K\/V pairs run on the CPU only/);
    expect(kvPairRefusal(inp, Q8_ISO3, false)).toBeUndefined();
    const r = recommend(inp);
    expect(r.config.gpuLayers).toBeGreaterThan(0);
    expect(r.config.kvTypeK).toBe(r.config.kvTypeV);
    for (const alt of r.alternatives) expect(alt.config.kvTypeK).toBe(alt.config.kvTypeV);
    // a build without iso3 drops the mixed pair on the CPU too
    const noIso3 = input(PROFILES.cpu8, { supportedKvTypes: ['f16', 'q8_0', 'q4_0', 'iso4'] });
    expect(kvPairRefusal(noIso3, Q8_ISO3, false)).toBe('not built');
  });
});
