import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { MAX_WINDOW_SEC } from '@common/window-budget';
import { WindowCutter, type CutWindow, type CutterConfig } from './cutter';
import {
  buildScript,
  scriptRegions,
  ScriptedVad,
  seededRandom,
  synthPcm,
  type SpeechScript,
} from './testkit';

interface Run {
  windows: CutWindow[];
  maxHeld: number;
}

function runCutter(script: SpeechScript, chunkSizes: () => number, config: Partial<CutterConfig> = {}): Run {
  const cutter = new WindowCutter(config);
  const vad = new ScriptedVad(scriptRegions(script));
  const total = Math.round(script.durationSec * SAMPLE_RATE);
  const windows: CutWindow[] = [];
  let maxHeld = 0;
  for (let pos = 0; pos < total;) {
    const n = Math.min(total - pos, chunkSizes());
    const pcm = synthPcm(script, pos, pos + n);
    pos += n;
    windows.push(...cutter.push(pcm, vad.push(n)));
    maxHeld = Math.max(maxHeld, cutter.heldSamples);
  }
  windows.push(...cutter.finish(vad.flush()));
  return { windows, maxHeld };
}

const fixed = (n: number) => () => n;
const sec = (samples: number) => samples / SAMPLE_RATE;

function insideWord(script: SpeechScript, sample: number): boolean {
  const t = sec(sample);
  return script.words.some((w) => t > w.startSec && t < w.endSec);
}

describe('WindowCutter', () => {
  const script = buildScript({ seed: 7, minWords: 900, longSilenceProb: 0.15, monologueProb: 0.6 });
  const run = runCutter(script, fixed(8000));

  it('keeps every window within the length bound and below the mtmd chunk', () => {
    expect(run.windows.length).toBeGreaterThan(10);
    for (const w of run.windows) {
      expect(sec(w.endSample - w.startSample)).toBeLessThanOrEqual(28 + 1e-9);
      expect(w.pcm.length).toBe(w.endSample - w.startSample);
      expect(w.speechStartSample).toBeGreaterThanOrEqual(w.startSample);
      expect(w.speechEndSample).toBeLessThanOrEqual(w.endSample);
    }
  });

  it('covers every word exactly once (midpoint rule) and sends no pure silence', () => {
    for (const word of script.words) {
      const mid = Math.round(((word.startSec + word.endSec) / 2) * SAMPLE_RATE);
      const owners = run.windows.filter((w) => mid >= w.startSample && mid < w.endSample);
      // Hard-cut overlaps may hold a word twice, but only consecutive windows joined by a hard cut.
      expect(owners.length).toBeGreaterThanOrEqual(1);
      if (owners.length > 1) {
        expect(owners).toHaveLength(2);
        expect(owners[0]!.hardEnd && owners[1]!.hardStart).toBe(true);
      }
    }
    for (const w of run.windows) {
      const words = script.words.filter(
        (x) => x.endSec > sec(w.startSample) && x.startSec < sec(w.endSample),
      );
      expect(words.length).toBeGreaterThan(0);
    }
  });

  it('skips long silences', () => {
    const covered = run.windows.reduce((s, w) => s + (w.endSample - w.startSample), 0);
    const speech = scriptRegions(script).reduce((s, r) => s + (r.endSec - r.startSec), 0);
    expect(sec(covered)).toBeLessThan(script.durationSec * 0.8);
    expect(sec(covered)).toBeGreaterThan(speech);
  });

  it('cuts in silence, and cuts inside speech only for regions longer than the bound, between words', () => {
    const hard = run.windows.filter((w) => w.hardEnd);
    expect(hard.length).toBeGreaterThan(0);
    for (let i = 0; i < run.windows.length; i++) {
      const w = run.windows[i]!;
      expect(insideWord(script, w.endSample)).toBe(false);
      if (!w.hardStart) expect(insideWord(script, w.startSample)).toBe(false);
      if (w.hardEnd) {
        const next = run.windows[i + 1]!;
        expect(next.hardStart).toBe(true);
        expect(next.startSample).toBe(w.endSample - next.overlapSamples);
        expect(sec(next.overlapSamples)).toBeCloseTo(1.5, 6);
        expect(sec(w.endSample - w.startSample)).toBeGreaterThanOrEqual(8);
      } else if (i + 1 < run.windows.length) {
        expect(run.windows[i + 1]!.startSample).toBeGreaterThanOrEqual(w.endSample);
      }
    }
  });

  it('gives identical windows whatever the chunking', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = seededRandom(seed);
      const other = runCutter(script, () => 1 + Math.floor(rnd() * 24000));
      expect(other.windows.map((w) => [w.id, w.startSample, w.endSample, w.hardEnd])).toEqual(
        run.windows.map((w) => [w.id, w.startSample, w.endSample, w.hardEnd]),
      );
      for (let i = 0; i < run.windows.length; i++) expect(other.windows[i]!.pcm).toEqual(run.windows[i]!.pcm);
    }
  });

  it('holds bounded PCM however long the stream', () => {
    const long = buildScript({ seed: 11, minWords: 4000, longSilenceProb: 0.2, monologueProb: 0.2 });
    const r = runCutter(long, fixed(8000));
    expect(long.durationSec).toBeGreaterThan(1800);
    expect(sec(r.maxHeld)).toBeLessThanOrEqual(28 + 1 + 0.5 + 1e-9);
  });

  it('emits nothing for silence and one short window for a lone word', () => {
    const silent: SpeechScript = { words: [], durationSec: 120 };
    expect(runCutter(silent, fixed(16000)).windows).toEqual([]);
    const lone: SpeechScript = { words: [{ word: 'hello', startSec: 50, endSec: 50.4 }], durationSec: 120 };
    const r = runCutter(lone, fixed(16000));
    expect(r.windows).toHaveLength(1);
    expect(sec(r.windows[0]!.startSample)).toBeCloseTo(49.75, 6);
    expect(sec(r.windows[0]!.endSample)).toBeCloseTo(50.65, 6);
  });

  it('accepts windows up to what one context holds, and no longer', () => {
    expect(new WindowCutter({ maxWindowSec: 30 }).config.maxWindowSec).toBe(30);
    expect(new WindowCutter({ maxWindowSec: MAX_WINDOW_SEC }).config.maxWindowSec).toBe(MAX_WINDOW_SEC);
    expect(() => new WindowCutter({ maxWindowSec: MAX_WINDOW_SEC + 1 })).toThrow(RangeError);
    expect(() => new WindowCutter({ maxWindowSec: 20, minWindowSec: 25 })).toThrow(RangeError);
    expect(() => new WindowCutter({ hardCutSearchSec: 0 })).toThrow(RangeError);
  });
});

describe('WindowCutter with long windows', () => {
  // long monologues without pauses over the gap limit: windows are bounded by their length, not by silences
  const script = buildScript({ seed: 5, minWords: 3000, longSilenceProb: 0.02, monologueProb: 0.9 });
  const run = runCutter(script, fixed(8000), { maxWindowSec: 120 });

  it('cuts windows of minutes, near the plan length, in silence or between words', () => {
    const lengths = run.windows.map((w) => sec(w.endSample - w.startSample));
    expect(Math.max(...lengths)).toBeLessThanOrEqual(120 + 1e-9);
    expect(Math.max(...lengths)).toBeGreaterThan(100);
    const hard = run.windows.filter((w) => w.hardEnd);
    expect(hard.length).toBeGreaterThan(0);
    for (const w of run.windows) {
      expect(insideWord(script, w.endSample)).toBe(false);
      // a hard cut searches the last 20 s before the length, so a long window stays long
      if (w.hardEnd) expect(sec(w.endSample - w.startSample)).toBeGreaterThanOrEqual(100);
    }
  });

  it('covers every word, identically whatever the chunking', () => {
    for (const word of script.words) {
      const mid = Math.round(((word.startSec + word.endSec) / 2) * SAMPLE_RATE);
      expect(run.windows.some((w) => mid >= w.startSample && mid < w.endSample)).toBe(true);
    }
    const rnd = seededRandom(4);
    const other = runCutter(script, () => 1 + Math.floor(rnd() * 48000), { maxWindowSec: 120 });
    expect(other.windows.map((w) => [w.startSample, w.endSample, w.hardEnd])).toEqual(
      run.windows.map((w) => [w.startSample, w.endSample, w.hardEnd]),
    );
  });

  it('holds about one window of PCM', () => {
    expect(sec(run.maxHeld)).toBeLessThanOrEqual(120 + 1 + 0.5 + 1e-9);
  });

  it("lists the VAD's speech regions of each window, in order, inside its speech span, chunking-independent", () => {
    const regions = scriptRegions(script);
    for (const w of run.windows) {
      expect(w.speechRegions.length).toBeGreaterThan(0);
      // after a hard cut the region resumes at the cut, inside the overlap the window starts with
      if (w.hardStart) expect(w.speechRegions[0]![0]).toBeLessThanOrEqual(w.startSample + w.overlapSamples);
      else expect(w.speechRegions[0]![0]).toBe(w.speechStartSample);
      expect(w.speechRegions.at(-1)![1]).toBe(w.speechEndSample);
      w.speechRegions.forEach(([a, b], k) => {
        expect(b).toBeGreaterThan(a);
        if (k > 0) expect(a).toBeGreaterThan(w.speechRegions[k - 1]![1]);
      });
    }
    // every pause between regions of a soft-cut window is a pause the VAD reported
    const soft = run.windows.filter((w) => !w.hardStart && !w.hardEnd && w.speechRegions.length > 1);
    expect(soft.length).toBeGreaterThan(0);
    const starts = new Set(regions.map((r) => Math.round(r.startSec * SAMPLE_RATE)));
    for (const w of soft) for (const [a] of w.speechRegions.slice(1)) expect(starts.has(a)).toBe(true);
    const rnd = seededRandom(9);
    const other = runCutter(script, () => 1 + Math.floor(rnd() * 48000), { maxWindowSec: 120 });
    expect(other.windows.map((w) => w.speechRegions)).toEqual(run.windows.map((w) => w.speechRegions));
  });

  it('leaves short windows as they were (the default hard-cut search reaches down to the min window)', () => {
    const short = runCutter(script, fixed(8000), { maxWindowSec: 28 });
    const explicit = runCutter(script, fixed(8000), { maxWindowSec: 28, hardCutSearchSec: 1000 });
    expect(short.windows.map((w) => [w.startSample, w.endSample])).toEqual(
      explicit.windows.map((w) => [w.startSample, w.endSample]),
    );
  });
});
