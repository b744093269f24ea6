import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { SILENCE_MEAN_SQUARE, WindowCutter, type CutWindow } from './cutter';

const s = (sec: number): number => Math.round(sec * SAMPLE_RATE);

/**
 * 20 s the VAD calls one region of speech (a 200 Hz tone at 0.3), with quiet stretches at the given spans: the
 * noise floor of a room (−60 dBFS) or a dip that is quieter than the speech around it but not silence.
 */
function speech(quiet: { from: number; to: number; level: number }[]): Float32Array {
  const pcm = new Float32Array(s(20));
  for (let i = 0; i < pcm.length; i++) {
    const t = i / SAMPLE_RATE;
    const q = quiet.find((span) => t >= span.from && t < span.to);
    pcm[i] = (q ? q.level : 0.3) * Math.sin(2 * Math.PI * 200 * t);
  }
  return pcm;
}

/** Live-style windows (10 s: a hard cut searches 8–10 s) over `pcm`, fed in 0.5 s chunks; the VAD hears one region. */
function cut(pcm: Float32Array): CutWindow[] {
  const cutter = new WindowCutter({ maxWindowSec: 10 });
  const out: CutWindow[] = [];
  const step = s(0.5);
  for (let pos = 0; pos < pcm.length; pos += step) {
    const end = Math.min(pcm.length, pos + step);
    out.push(...cutter.push(pcm.subarray(pos, end), { closed: [], openStartSec: 0.5 }));
  }
  out.push(...cutter.finish([{ startSec: 0.5, endSec: 19.5 }]));
  return out;
}

describe('hard cuts in silence and in speech', () => {
  const floor = 0.001 * Math.SQRT2; // a sine's mean square is half its peak's square: −60 dBFS RMS

  it('a cut in a pause ends the speech where the pause began, before the cut', () => {
    expect(floor ** 2 / 2).toBeLessThan(SILENCE_MEAN_SQUARE);
    const windows = cut(speech([{ from: 8.8, to: 9.2, level: floor }]));
    const first = windows[0]!;
    expect(first.hardEnd).toBe(true);
    expect(first.endSample / SAMPLE_RATE).toBeGreaterThan(8.8);
    expect(first.endSample / SAMPLE_RATE).toBeLessThan(9.2);
    expect(first.speechRegions.at(-1)![1] / SAMPLE_RATE).toBeCloseTo(8.8, 1);
    expect(first.speechRegions.at(-1)![1]).toBeLessThan(first.endSample);
    expect(first.speechEndSample).toBe(first.speechRegions.at(-1)![1]);
    // the next window still starts in the overlap, so the stitcher sees the words around the cut twice
    expect(windows[1]!.hardStart).toBe(true);
    expect(windows[1]!.startSample).toBe(first.endSample - windows[1]!.overlapSamples);
  });

  it('without a pause cuts at the quietest frame, inside speech: the speech runs up to the cut', () => {
    const windows = cut(speech([{ from: 9.3, to: 9.36, level: 0.05 }]));
    const first = windows[0]!;
    expect(first.hardEnd).toBe(true);
    expect(first.endSample / SAMPLE_RATE).toBeGreaterThan(9.3);
    expect(first.endSample / SAMPLE_RATE).toBeLessThan(9.36);
    expect(first.speechRegions.at(-1)![1]).toBe(first.endSample);
  });
});
