import { describe, expect, it } from 'vitest';
import { overridesFromRunConfig } from './plan';

describe('settings run config → job plan overrides', () => {
  it('maps cache types one to one', () => {
    expect(overridesFromRunConfig({ kvTypeK: 'q8_0', kvTypeV: 'iso3' }, undefined)).toEqual({
      kvK: 'q8_0',
      kvV: 'iso3',
    });
  });

  it('turns window seconds × parallel windows into job windows of at most 28 s side by side', () => {
    expect(overridesFromRunConfig({ windowSeconds: 120, parallelWindows: 2 }, undefined)).toEqual({
      maxWindowSec: 28,
      parallel: 8,
    });
    expect(overridesFromRunConfig({ windowSeconds: 10 }, { windowSeconds: 600, parallelWindows: 1 })).toEqual(
      {
        maxWindowSec: 10,
        parallel: 1,
      },
    );
    // only parallel given: the recommendation's window length fills in
    expect(overridesFromRunConfig({ parallelWindows: 3 }, { windowSeconds: 56, parallelWindows: 1 })).toEqual(
      {
        maxWindowSec: 28,
        parallel: 6,
      },
    );
    expect(overridesFromRunConfig({ gpuLayers: 10, flashAttention: true }, undefined)).toEqual({});
  });
});
