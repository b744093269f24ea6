import type { ModelsState } from '@common/models-schema';
import { describe, expect, it } from 'vitest';
import { VOXTRAL_VARIANTS } from '../../../../main/advisor/catalog';
import { cacheTable, recommend } from '../../../../main/advisor/recommend';
import { PROFILES } from '../../../../main/advisor/test-profiles';
import { cacheSaving, isRowOf, modelInUse, rowQuality, savingsOf, total } from './view-model';

describe('savings view model', () => {
  it('puts the f16 bar at the f16 row total and the chosen bar at the estimate total', () => {
    const input = { hardware: PROFILES.laptop6, variants: VOXTRAL_VARIANTS };
    const rec = recommend(input);
    const table = cacheTable(input, rec.config);
    const s = savingsOf(rec.estimate, table)!;
    const f16Row = table.find((r) => r.kvType === 'f16')!;
    const chosenRow = table.find((r) => isRowOf(r, rec.config))!;
    expect(total(s.f16)).toBe(f16Row.totalBytes);
    expect(total(s.compared)).toBe(chosenRow.totalBytes);
    expect(s.suggestion).toBe(false);
    expect(s.savedBytes).toBe(f16Row.totalBytes - chosenRow.totalBytes);
    expect(s.savedOfCache).toBeCloseTo(1 - chosenRow.kvBytes / f16Row.kvBytes, 10);
  });

  it('suggests the most compact available cache when f16 is chosen', () => {
    const input = {
      hardware: PROFILES.desktop24,
      variants: VOXTRAL_VARIANTS,
      supportedKvTypes: ['f16', 'q8_0', 'q4_0'] as const,
    };
    const rec = recommend({ ...input, supportedKvTypes: [...input.supportedKvTypes] });
    expect(rec.config.kvTypeK).toBe('f16');
    const table = cacheTable({ ...input, supportedKvTypes: [...input.supportedKvTypes] }, rec.config);
    const s = savingsOf(rec.estimate, table)!;
    expect(s).toMatchObject({ suggestion: true, comparedLabel: 'q4_0' });
    expect(total(s.compared)).toBe(table.find((r) => r.kvType === 'q4_0')!.totalBytes);
    expect(s.savedBytes).toBeGreaterThan(0);
  });

  it('gives every row its measured quality and its saving against f16, mixed pairs included', () => {
    const input = { hardware: PROFILES.cpu8, variants: VOXTRAL_VARIANTS };
    const rec = recommend(input);
    const table = cacheTable(input, rec.config);
    const mixed = table.find((r) => r.kvType === 'q8_0' && r.kvTypeV === 'iso3')!;
    const q8 = table.find((r) => r.kvType === 'q8_0' && r.kvTypeV === undefined)!;
    expect(cacheSaving(mixed, table)!).toBeGreaterThan(cacheSaving(q8, table)!);
    expect(rowQuality(mixed).measured).toMatchObject({ k: 'q8_0', v: 'iso3' });
    expect(rowQuality(mixed).kl).toMatch(/^\d\.\de-\d$/);
    expect(rowQuality(table.find((r) => r.kvType === 'planar4')!)).toMatchObject({
      measured: null,
      werChange: 'not measured',
    });
    expect(rowQuality(table.find((r) => r.kvType === 'f16')!).werChange).toBe('±0 (reference)');
  });
});

describe('modelInUse', () => {
  const variants = [
    { id: 'Q8_0', label: 'Q8_0', approximate: true, weightBytes: 1, mmprojBytes: 1, layers: 30 },
    { id: 'Q4_K_M', label: 'Q4_K_M', approximate: true, weightBytes: 1, mmprojBytes: 1, layers: 30 },
  ];
  const state = (active: ModelsState['active'], weights = 'Q8_0'): ModelsState => ({
    variants: [
      { id: 'cat-1', label: 'x', publisher: 'p', weights, note: '', approxBytes: 1, installed: true },
    ],
    active,
    download: null,
  });

  it('takes the catalog entry’s weights for a downloaded model', () => {
    expect(modelInUse(state({ ready: true, id: 'cat-1', name: 'odd-name.gguf' }), variants)).toEqual({
      name: 'odd-name.gguf',
      weights: 'Q8_0',
      fromEnv: false,
    });
  });

  it('reads the quantization from the file name of an imported or environment model', () => {
    expect(
      modelInUse(state({ ready: true, source: 'env', name: 'voxtral-mini-q4_k_m.gguf' }), variants),
    ).toEqual({ name: 'voxtral-mini-q4_k_m.gguf', weights: 'Q4_K_M', fromEnv: true });
    expect(modelInUse(state({ ready: true, name: 'trained-tiny.gguf' }), variants)?.weights).toBeNull();
  });

  it('knows nothing without a configured model', () => {
    expect(modelInUse(null, variants)).toBeNull();
    expect(modelInUse(state({ ready: false }), variants)).toBeNull();
  });
});
