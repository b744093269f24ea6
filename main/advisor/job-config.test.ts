import { describe, expect, it } from 'vitest';
import { AUDIO_TOKENS_PER_CHUNK } from '@common/window-budget';
import { cellsPerSequence } from '../engine/job/runtime-transcriber';
import { tokensPerChunk } from './memory-model';
import { createJobAdvisor, jobPlanFlags, planJob } from './job-config';
import { PROFILES } from './test-profiles';

describe('planJob: the advisor recommendation is the plan the engine runs', () => {
  for (const name of ['cpu8', 'apple16', 'laptop6', 'desktop24'] as const) {
    it(`${name}: same window length × parallel windows × K/V types, and the same cells per window`, async () => {
      const advisor = await createJobAdvisor({ hardware: PROFILES[name] });
      const rec = advisor.report().recommendation;
      expect(rec.ok).toBe(true);
      const { plan, lowered } = planJob(advisor);
      expect(lowered).toBeUndefined();
      expect(plan).toEqual({
        kvK: rec.config.kvTypeK,
        kvV: rec.config.kvTypeV,
        maxWindowSec: rec.config.windowSeconds,
        parallel: rec.config.parallelWindows,
      });
      // what the worker allocates per sequence for that plan is what the advisor budgeted per window
      const perChunk = tokensPerChunk(null, rec.config.tokenRate);
      expect(cellsPerSequence(perChunk, plan.maxWindowSec)).toBe(rec.estimate.context.tokensPerWindow);
    });
  }

  it('runs the long windows the CPU laptop profile is recommended (no conversion to 28 s windows)', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.cpu8 });
    const rec = advisor.report().recommendation.config;
    expect(rec.windowSeconds).toBeGreaterThan(30);
    const { plan } = planJob(advisor);
    expect(plan.maxWindowSec).toBe(rec.windowSeconds);
    expect(jobPlanFlags(plan)).toContain(String(rec.windowSeconds));
    expect(cellsPerSequence(AUDIO_TOKENS_PER_CHUNK, plan.maxWindowSec)).toBeGreaterThan(
      2 * AUDIO_TOKENS_PER_CHUNK,
    );
  });

  it('an explicit short window keeps the recommended audio in the cache with more windows side by side', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.cpu8 });
    const rec = advisor.report().recommendation.config;
    const { plan } = planJob(advisor, { maxWindowSec: 28 });
    expect(plan.maxWindowSec).toBe(28);
    expect(plan.parallel).toBe(Math.floor((rec.windowSeconds * rec.parallelWindows) / 28));
    // an explicit parallel count alone keeps the recommended length
    expect(planJob(advisor, { parallel: 1 }).plan.maxWindowSec).toBe(rec.windowSeconds);
  });

  it('refuses what does not fit before anything is allocated', async () => {
    const advisor = await createJobAdvisor({ hardware: PROFILES.ram4 });
    expect(() => planJob(advisor)).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY' }));
  });
});
