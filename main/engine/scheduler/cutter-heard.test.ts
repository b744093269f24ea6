import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import { audioChunksForSamples, chunkFilledWindowSamples } from '@common/window-budget';
import { shortenPauses } from '../job/pauses';
import { WindowCutter, type CutWindow, type CutterConfig } from './cutter';
import {
  buildScript,
  scriptRegions,
  ScriptedVad,
  seededRandom,
  synthPcm,
  type SpeechScript,
  type TimedWord,
} from './testkit';

// the CPU plan's windowing: 60 s windows through pauses up to 15 s, pauses shortened to 1 s
const CPU: Partial<CutterConfig> = { maxWindowSec: 60, maxGapSec: 15, shortenedPauseSec: 1 };

function cut(script: SpeechScript, chunkSizes: () => number, config: Partial<CutterConfig>): CutWindow[] {
  const cutter = new WindowCutter(config);
  const vad = new ScriptedVad(scriptRegions(script));
  const total = Math.round(script.durationSec * SAMPLE_RATE);
  const windows: CutWindow[] = [];
  for (let pos = 0; pos < total;) {
    const n = Math.min(total - pos, chunkSizes());
    windows.push(...cutter.push(synthPcm(script, pos, pos + n), vad.push(n)));
    pos += n;
  }
  windows.push(...cutter.finish(vad.flush()));
  return windows;
}

const fixed = (n: number) => () => n;
const sec = (samples: number): number => samples / SAMPLE_RATE;
/** What the model is sent of a window (pauses shortened to 1 s, as the job does). */
const heard = (w: CutWindow): number => shortenPauses(w.pcm, w.startSample, w.speechRegions, 1).length;
const chunks = (ws: readonly CutWindow[]): number =>
  ws.reduce((n, w) => n + audioChunksForSamples(heard(w)), 0);

/** One VAD region per "word": speech of the given lengths, each followed by the given pause. */
function regionsScript(parts: readonly { speechSec: number; pauseSec: number }[], leadSec = 1): SpeechScript {
  const words: TimedWord[] = [];
  let t = leadSec;
  parts.forEach((p, i) => {
    words.push({ word: `r${i}`, startSec: t, endSec: t + p.speechSec });
    t += p.speechSec + p.pauseSec;
  });
  return { words, durationSec: t + 2 };
}

describe('WindowCutter budgeting windows in heard audio (pauses shortened)', () => {
  // a meeting: sentences, pauses of 0.4–2 s and some of 5–40 s
  const script = buildScript({ seed: 21, minWords: 1200, longSilenceProb: 0.1 });
  const cpu = cut(script, fixed(8000), CPU);
  const recorded = cut(script, fixed(8000), { maxWindowSec: 60, maxGapSec: 15 });

  it('never sends more than the whole chunks within the window length', () => {
    const budget = chunkFilledWindowSamples(60);
    expect(cpu.length).toBeGreaterThan(10);
    for (const w of cpu) {
      expect(heard(w)).toBeLessThanOrEqual(budget);
      expect(audioChunksForSamples(heard(w))).toBeLessThanOrEqual(2);
      expect(w.pcm.length).toBe(w.endSample - w.startSample);
    }
    // the budget counts what is heard: windows hold more than 60 s of the recording
    expect(Math.max(...cpu.map((w) => sec(w.endSample - w.startSample)))).toBeGreaterThan(62);
  });

  it('fills its encoder chunks better and pays for fewer than windows budgeted in recorded seconds', () => {
    const fill = (ws: readonly CutWindow[]): number =>
      ws.reduce((n, w) => n + heard(w), 0) / (chunks(ws) * 30 * SAMPLE_RATE);
    expect(chunks(cpu)).toBeLessThan(chunks(recorded));
    expect(fill(cpu)).toBeGreaterThan(fill(recorded));
    expect(fill(cpu)).toBeGreaterThan(0.8);
  });

  it('covers every word exactly once and never cuts inside one', () => {
    for (const word of script.words) {
      const mid = Math.round(((word.startSec + word.endSec) / 2) * SAMPLE_RATE);
      expect(cpu.filter((w) => mid >= w.startSample && mid < w.endSample)).toHaveLength(1);
    }
    for (const w of cpu) {
      expect(w.hardEnd).toBe(false);
      // no window runs through a pause longer than the gap that closes one
      w.speechRegions
        .slice(1)
        .forEach(([a], k) => expect(a - w.speechRegions[k]![1]).toBeLessThanOrEqual(15 * SAMPLE_RATE));
    }
    cpu.forEach((w, i) => {
      expect(w.index).toBe(i);
      if (i > 0) expect(w.startSample).toBeGreaterThanOrEqual(cpu[i - 1]!.endSample);
      expect(w.speechRegions[0]![0]).toBe(w.speechStartSample);
      expect(w.speechRegions.at(-1)![1]).toBe(w.speechEndSample);
    });
  });

  it('cuts the same windows whatever the chunking (a resume replays the same stream)', () => {
    const key = (ws: readonly CutWindow[]) =>
      ws.map((w) => [w.id, w.startSample, w.endSample, w.hardEnd, w.speechRegions]);
    const rnd = seededRandom(1);
    const other = cut(script, () => 1 + Math.floor(rnd() * 40000), CPU);
    expect(key(other)).toEqual(key(cpu));
    for (let i = 0; i < cpu.length; i++) expect(other[i]!.pcm).toEqual(cpu[i]!.pcm);
  });

  it('re-cuts the last two windows of a stretch so that the tail shares a chunk', () => {
    // seven 4 s sentences (34.5 s heard: 2 chunks), a 25 s monologue that no longer fits, then one more sentence:
    // as first cut, 7 sentences | monologue + sentence (30.5 s heard: 2 chunks) = 4 chunks; at the sixth pause
    // instead, 29.5 s (1 chunk) | 35.5 s (2 chunks) = 3 chunks
    const parts = [
      ...Array.from({ length: 7 }, () => ({ speechSec: 4, pauseSec: 1 })),
      { speechSec: 25, pauseSec: 1 },
      { speechSec: 4, pauseSec: 1 },
    ];
    const s = regionsScript(parts);
    const ws = cut(s, fixed(4000), CPU);
    expect(ws).toHaveLength(2);
    expect(ws.map((w) => w.speechRegions.length)).toEqual([6, 3]);
    expect(ws.map((w) => audioChunksForSamples(heard(w)))).toEqual([1, 2]);
    expect(sec(heard(ws[0]!))).toBeCloseTo(29.5, 3);
    // the cut is in the pause after the sixth sentence, the second window starts a pad before the seventh
    expect(sec(ws[0]!.endSample)).toBeCloseTo(1 + 6 * 5 - 1 + 0.25, 3);
    expect(sec(ws[1]!.startSample)).toBeCloseTo(1 + 6 * 5 - 0.25, 3);
    // the same speech followed by more: the stretch goes on, nothing is re-cut
    const longer = regionsScript([
      ...parts,
      ...Array.from({ length: 14 }, () => ({ speechSec: 4, pauseSec: 1 })),
    ]);
    expect(cut(longer, fixed(4000), CPU)[0]!.speechRegions).toHaveLength(7);
    // budgeted in recorded seconds, the same speech pays for 4
    expect(chunks(cut(s, fixed(4000), { maxWindowSec: 60, maxGapSec: 15 }))).toBe(4);
    expect(chunks(ws)).toBe(3);
  });

  it('re-cuts a stretch that ends at a long pause, and never across that pause', () => {
    const s = regionsScript([
      ...Array.from({ length: 7 }, () => ({ speechSec: 4, pauseSec: 1 })),
      { speechSec: 25, pauseSec: 1 },
      { speechSec: 4, pauseSec: 20 },
      { speechSec: 4, pauseSec: 1 },
    ]);
    const ws = cut(s, fixed(4000), CPU);
    expect(ws.map((w) => w.speechRegions.length)).toEqual([6, 3, 1]);
    expect(ws.map((w) => audioChunksForSamples(heard(w)))).toEqual([1, 2, 1]);
  });

  it('cuts long speech hard as before: at the quietest frame, within the whole chunks', () => {
    // one region of 200 s: every window is cut inside speech
    const mono = regionsScript([{ speechSec: 200, pauseSec: 1 }]);
    const plain28 = cut(mono, fixed(8000), { maxWindowSec: 28 });
    const heard28 = cut(mono, fixed(8000), { ...CPU, maxWindowSec: 28 });
    expect(plain28.length).toBeGreaterThan(5);
    expect(heard28.map((w) => [w.startSample, w.endSample, w.hardEnd])).toEqual(
      plain28.map((w) => [w.startSample, w.endSample, w.hardEnd]),
    );
    const long = cut(mono, fixed(8000), CPU);
    expect(long.slice(0, -1).every((w) => w.hardEnd)).toBe(true);
    for (const w of long.slice(0, -1)) {
      expect(sec(w.endSample - w.startSample)).toBeGreaterThanOrEqual(40);
      expect(audioChunksForSamples(w.endSample - w.startSample)).toBe(2);
    }
  });

  it('sends short (live) windows out as soon as they are decided: no window is held back for them', () => {
    /** The most seconds of stream pushed past a window's end before it came out. */
    const worstDelay = (config: Partial<CutterConfig>): { worst: number; windows: number } => {
      const cutter = new WindowCutter(config);
      const vad = new ScriptedVad(scriptRegions(script));
      const total = Math.round(script.durationSec * SAMPLE_RATE);
      let worst = 0;
      let windows = 0;
      for (let pos = 0; pos < total;) {
        const n = Math.min(total - pos, 8000);
        const out = cutter.push(synthPcm(script, pos, pos + n), vad.push(n));
        pos += n;
        for (const w of out) worst = Math.max(worst, sec(pos - w.endSample));
        windows += out.length;
      }
      return { worst, windows };
    };
    const live = worstDelay({ maxWindowSec: 10, shortenedPauseSec: 1 });
    const recordedLive = worstDelay({ maxWindowSec: 10 });
    expect(live.windows).toBeGreaterThan(50);
    // about as soon as windows budgeted in recorded seconds: a pause costs less of the budget, so a window may wait
    // for the next speech up to the part of a pause the model does not hear (3 s gap - 1 s) longer; a held window
    // would wait for the whole next one
    expect(live.worst).toBeLessThanOrEqual(recordedLive.worst + 2);
    expect(live.worst).toBeLessThan(10);
    // 60 s windows are held: the re-cut needs the next one
    expect(worstDelay(CPU).worst).toBeGreaterThan(20);
    for (const w of cut(script, fixed(8000), { maxWindowSec: 10, shortenedPauseSec: 1 }))
      expect(heard(w)).toBeLessThanOrEqual(10 * SAMPLE_RATE);
  });

  it('keeps the recorded-seconds budget without shortened pauses', () => {
    for (const w of recorded) expect(sec(w.endSample - w.startSample)).toBeLessThanOrEqual(60 + 1e-9);
  });
});
