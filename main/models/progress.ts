/** Download speed over a sliding window and the ETA it gives; pure, driven by the caller's clock. */

export interface RateMeter {
  /** Records the running total of bytes fetched (not counting what was on disk before) at time `t` (ms). */
  add(t: number, fetchedTotal: number): void;
  /** Bytes per second over the window, or null before there is enough of it to say. */
  bytesPerSec(): number | null;
  reset(): void;
}

export function createRateMeter(windowMs = 5000, minSpanMs = 500): RateMeter {
  let samples: [number, number][] = [];
  return {
    add(t, total) {
      samples.push([t, total]);
      while (samples.length > 2 && t - samples[1]![0] >= windowMs) samples.shift();
    },
    bytesPerSec() {
      const first = samples[0];
      const last = samples[samples.length - 1];
      if (!first || !last || last[0] - first[0] < minSpanMs) return null;
      return ((last[1] - first[1]) * 1000) / (last[0] - first[0]);
    },
    reset() {
      samples = [];
    },
  };
}

export function etaSeconds(remainingBytes: number, bytesPerSec: number | null): number | null {
  if (remainingBytes <= 0) return 0;
  if (bytesPerSec === null || bytesPerSec <= 0) return null;
  return remainingBytes / bytesPerSec;
}
