import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { audioChunksForSamples, chunkCapacitySamples, chunkFilledWindowSamples } from '@common/window-budget';
import { shortenPauses } from '../job/pauses';
import { heardSamples, pauseKeepSamples } from './heard';
import { seededRandom } from './testkit';

describe('heardSamples', () => {
  it('is the length shortenPauses sends, for any window, regions and pause length', () => {
    const rnd = seededRandom(3);
    let shortened = 0;
    for (let trial = 0; trial < 300; trial++) {
      const length = 1 + Math.floor(rnd() * 40 * SAMPLE_RATE);
      const start = Math.floor(rnd() * 1e6);
      const regions: [number, number][] = [];
      // regions may begin before the window and end after it: both are clipped
      let t = start - Math.floor(rnd() * SAMPLE_RATE);
      while (t < start + length) {
        const a = t + Math.floor(rnd() * 6 * SAMPLE_RATE);
        const b = a + 1 + Math.floor(rnd() * 4 * SAMPLE_RATE);
        regions.push([a, b]);
        t = b + 1;
      }
      const pause = [0.2, 0.5, 1, 3][trial % 4]!;
      const sent = shortenPauses(new Float32Array(length), start, regions, pause).length;
      if (sent < length) shortened++;
      expect(heardSamples(start, start + length, regions, pauseKeepSamples(pause))).toBe(sent);
    }
    // the comparison covered windows that lost pauses, not only ones sent whole
    expect(shortened).toBeGreaterThan(100);
  });

  it('counts a window without speech whole', () => {
    expect(heardSamples(100, 900, [], pauseKeepSamples(1))).toBe(800);
    expect(heardSamples(100, 900, [[0, 50]], pauseKeepSamples(1))).toBe(800);
  });
});

describe('chunkFilledWindowSamples', () => {
  it('is the most whole encoder chunks hold within the window length', () => {
    for (const k of [1, 2, 3, 10]) {
      expect(audioChunksForSamples(chunkCapacitySamples(k))).toBe(k);
      expect(audioChunksForSamples(chunkCapacitySamples(k) + 1)).toBe(k + 1);
    }
    expect(chunkFilledWindowSamples(60)).toBe(chunkCapacitySamples(2));
    expect(audioChunksForSamples(60 * SAMPLE_RATE)).toBe(3);
    expect(chunkFilledWindowSamples(45)).toBe(chunkCapacitySamples(1));
    expect(chunkFilledWindowSamples(28)).toBe(28 * SAMPLE_RATE);
    expect(chunkFilledWindowSamples(119)).toBe(chunkCapacitySamples(3));
  });
});
