import { describe, expect, it } from 'vitest';
import { VOXTRAL_VARIANTS } from '../../../../main/advisor/catalog';
import { cacheTable, recommend } from '../../../../main/advisor/recommend';
import { PROFILES } from '../../../../main/advisor/test-profiles';
import { savingsOf, total } from './view-model';

describe('savings view model', () => {
  it('puts the f16 bar at the f16 row total and the chosen bar at the estimate total', () => {
    const input = { hardware: PROFILES.laptop6, variants: VOXTRAL_VARIANTS };
    const rec = recommend(input);
    const table = cacheTable(input, rec.config);
    const s = savingsOf(rec.estimate, table)!;
    const f16Row = table.find((r) => r.kvType === 'f16')!;
    const chosenRow = table.find((r) => r.kvType === rec.config.kvTypeK)!;
    expect(total(s.f16)).toBe(f16Row.totalBytes);
    expect(total(s.chosen)).toBe(chosenRow.totalBytes);
    expect(s.savedBytes).toBe(f16Row.totalBytes - chosenRow.totalBytes);
    expect(s.savedOfCache).toBeCloseTo(1 - chosenRow.kvBytes / f16Row.kvBytes, 10);
  });
});
