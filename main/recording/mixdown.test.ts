import { describe, expect, it } from 'vitest';
import { concatPcm } from '@common/audio';
import { Mixdown16k } from './mixdown';

function tone(rate: number, seconds: number, hz: number, channels: number, amp = 0.5): Float32Array {
  const frames = Math.round(rate * seconds);
  const out = new Float32Array(frames * channels);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++) out[f * channels + c] = amp * Math.sin((2 * Math.PI * hz * f) / rate);
  return out;
}

function run(mix: Mixdown16k, input: Float32Array, chunkFrames: number): Float32Array {
  const parts: Float32Array[] = [];
  const step = chunkFrames * mix.channels;
  for (let at = 0; at < input.length; at += step) parts.push(mix.push(input.subarray(at, at + step)));
  parts.push(mix.flush());
  return concatPcm(parts);
}

const rms = (x: Float32Array, from = 0, to = x.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
};

describe('mixdown to 16 kHz mono', () => {
  it.each([48_000, 44_100, 16_000, 8_000])('keeps the length and a 440 Hz tone from %i Hz', (rate) => {
    const out = run(new Mixdown16k(rate, 1), tone(rate, 2, 440, 1), 480);
    expect(Math.abs(out.length - 32_000)).toBeLessThanOrEqual(1);
    // away from the edges the tone keeps its level (0.5 / √2) ...
    expect(rms(out, 2000, 30_000)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    // ... and its pitch: 440 Hz = 880 zero crossings a second
    let crossings = 0;
    for (let i = 16_001; i < 32_000 - 100; i++) if (out[i - 1]! < 0 !== out[i]! < 0) crossings++;
    expect(Math.abs(crossings - 880 * ((16_000 - 100) / 16_000))).toBeLessThan(4);
  });

  it('averages the channels (mic + system)', () => {
    const stereo = new Float32Array(48_000 * 2);
    const t = tone(48_000, 1, 300, 1);
    for (let f = 0; f < 48_000; f++) stereo[f * 2] = t[f]!; // system channel silent
    const out = run(new Mixdown16k(48_000, 2), stereo, 1024);
    expect(rms(out, 1000, 15_000)).toBeCloseTo(0.25 / Math.SQRT2, 2);
  });

  it('removes what 16 kHz cannot hold (a 12 kHz tone) instead of folding it into speech', () => {
    const out = run(new Mixdown16k(48_000, 1), tone(48_000, 1, 12_000, 1), 960);
    expect(rms(out, 1000, 15_000)).toBeLessThan(0.02);
  });

  it('gives the same samples whatever the chunking', () => {
    const input = tone(44_100, 1.5, 1000, 2);
    const a = run(new Mixdown16k(44_100, 2), input, 128);
    const b = run(new Mixdown16k(44_100, 2), input, 4410);
    expect(a.length).toBe(b.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });
});
