import { describe, expect, it } from 'vitest';
import { VOXTRAL_VARIANTS } from '../../../../main/advisor/catalog';
import { cacheTable, recommend } from '../../../../main/advisor/recommend';
import { PROFILES } from '../../../../main/advisor/test-profiles';
import { cacheSaving, isRowOf, rowQuality, savingsOf, total } from './view-model';

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
