import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { createJobPlanMemory } from './job-plan';
import { PROFILES } from './test-profiles';

describe('job planMemory', () => {
  it('plans from the engine identity: fits with a parallel cap on a laptop, refuses on 4 GB', async () => {
    const laptop = createJobPlanMemory({ hardware: PROFILES.laptop6 });
    const plan = await laptop({
      maxWindowSec: 28,
      requestedParallel: 4,
      engine: { kvK: 'iso3', kvV: 'iso3' },
    });
    expect(plan.fits).toBe(true);
    expect(plan.maxParallel).toBeGreaterThanOrEqual(1);
    expect(plan.maxParallel).toBeLessThanOrEqual(4);
    expect(plan.reason).toMatch(/^Fits:/);
    const small = createJobPlanMemory({ hardware: PROFILES.ram4 });
    const refused = await small({
      maxWindowSec: 28,
      requestedParallel: 2,
      engine: { kvK: 'f16', kvV: 'f16' },
    });
    expect(refused).toMatchObject({ fits: false, maxParallel: 0 });
    await expect(
      small({ maxWindowSec: 28, requestedParallel: 1, engine: { kvK: 'q9' } }),
    ).rejects.toMatchObject({ code: 'KV_TYPE_UNSUPPORTED' });
  });

  it('uses the header of the job model file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobplan-'));
    try {
      const fx = await writeSyntheticVoxtral({ dir, size: 'tiny' });
      const plan = await createJobPlanMemory({ hardware: PROFILES.cpu8 })({
        maxWindowSec: 20,
        requestedParallel: 2,
        engine: { model: fx.modelPath, mmproj: fx.mmprojPath, kvK: 'q8_0', kvV: 'q8_0' },
      });
      // a few-MB model fits 2 windows easily on 8 GB
      expect(plan).toMatchObject({ fits: true, maxParallel: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
