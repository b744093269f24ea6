import { describe, expect, it } from 'vitest';
import { JOB_MAX_WINDOW_SEC } from '../../advisor/job-config';
import { overridesFromRunConfig } from './plan';

describe('settings run config → job plan overrides', () => {
  it('maps cache types one to one', () => {
    expect(overridesFromRunConfig({ kvTypeK: 'q8_0', kvTypeV: 'iso3' }, undefined)).toEqual({
      kvK: 'q8_0',
      kvV: 'iso3',
    });
  });

  it('runs the window seconds × parallel windows asked for as they are (long windows included)', () => {
    expect(overridesFromRunConfig({ windowSeconds: 120, parallelWindows: 2 }, undefined)).toEqual({
      maxWindowSec: 120,
      parallel: 2,
    });
    expect(overridesFromRunConfig({ windowSeconds: 10 }, { windowSeconds: 600, parallelWindows: 1 })).toEqual(
      { maxWindowSec: 10, parallel: 1 },
    );
    // only parallel given: the recommendation's window length fills in
    expect(overridesFromRunConfig({ parallelWindows: 3 }, { windowSeconds: 56, parallelWindows: 1 })).toEqual(
      { maxWindowSec: 56, parallel: 3 },
    );
    // beyond what one context holds: the longest window there is
    expect(overridesFromRunConfig({ windowSeconds: 3600 }, undefined).maxWindowSec).toBe(JOB_MAX_WINDOW_SEC);
  });

  it('carries GPU layers, flash attention and threads to the engine as they are', () => {
    expect(overridesFromRunConfig({ gpuLayers: 10, flashAttention: false, threads: 6 }, undefined)).toEqual({
      gpuLayers: 10,
      flashAttention: false,
      threads: 6,
    });
    expect(overridesFromRunConfig({ weights: 'Q8_0', tokenRate: 'pooled' }, undefined)).toEqual({});
  });
});
