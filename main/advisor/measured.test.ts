import { describe, expect, it } from 'vitest';
import { advisorReportSchema } from '@common/advisor-types';
import { check } from '@common/schema';
import { VOXTRAL_VARIANTS } from './catalog';
import { measuredAllocation, predictedAllocation } from './measured';
import { advisorReport, recommend } from './recommend';
import { PROFILES } from './test-profiles';

describe('measured allocation', () => {
  const input = { hardware: PROFILES.cpu8, variants: VOXTRAL_VARIANTS };
  const rec = recommend(input);

  it('compares with llama.cpp buffers, which count repacked weights twice', () => {
    const pool = rec.estimate.pools[0]!;
    expect(pool.reclaimable).toBeGreaterThan(0);
    expect(predictedAllocation(rec.estimate).weights).toBe(pool.breakdown.weights + pool.reclaimable);
    expect(predictedAllocation(rec.estimate).kv).toBe(pool.breakdown.kv);
  });

  it('marks what the runtime reported and travels in the report', () => {
    const mem = { weightsBytes: 4e9, kvBytes: 1.6e8, computeBytes: 2.8e8, mmprojWeightsBytes: 7e8 };
    const without = measuredAllocation(rec.estimate, mem);
    expect(without.reported).toEqual(['weights', 'mmproj', 'kv', 'computeDecoder']);
    const withEncoder = measuredAllocation(rec.estimate, mem, 5.4e7);
    expect(withEncoder.reported).toContain('computeEncoder');
    expect(withEncoder.measured).toMatchObject({ weights: 4e9, kv: 1.6e8, computeEncoder: 5.4e7 });
    expect(check(advisorReportSchema, { ...advisorReport(input, rec), measured: withEncoder }).ok).toBe(true);
  });
});
