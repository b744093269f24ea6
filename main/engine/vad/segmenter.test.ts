import { describe, expect, it } from 'vitest';
import { prng } from '../../../fixtures/audio-long';
import { type SampleRegion, type SegmenterOptions, SpeechSegmenter } from './segmenter';

const OPTS: SegmenterOptions = {
  threshold: 0.5,
  minSilenceMs: 100,
  minSpeechMs: 250,
  speechPadMs: 30,
  sampleRate: 16_000,
  frameSamples: 512,
};

function runAll(probs: number[], opts: SegmenterOptions = OPTS): SampleRegion[] {
  const seg = new SpeechSegmenter(opts);
  const out = probs.flatMap((p) => seg.pushFrame(p));
  return [...out, ...seg.finish(probs.length * opts.frameSamples)];
}

/** Batch reference written from Silero's published get_speech_timestamps (two passes: detect, then pad). */
function reference(probs: number[], o: SegmenterOptions): SampleRegion[] {
  const neg = o.negThreshold ?? Math.max(o.threshold - 0.15, 0.01);
  const minSilence = Math.round((o.sampleRate * o.minSilenceMs) / 1000);
  const minSpeech = Math.round((o.sampleRate * o.minSpeechMs) / 1000);
  const pad = Math.round((o.sampleRate * o.speechPadMs) / 1000);
  const total = probs.length * o.frameSamples;
  const speeches: SampleRegion[] = [];
  let triggered = false;
  let tempEnd = 0;
  let start = 0;
  probs.forEach((p, i) => {
    const cur = i * o.frameSamples;
    if (p >= o.threshold && tempEnd) tempEnd = 0;
    if (p >= o.threshold && !triggered) {
      triggered = true;
      start = cur;
      return;
    }
    if (p < neg && triggered) {
      if (!tempEnd) tempEnd = cur;
      if (cur - tempEnd < minSilence) return;
      if (tempEnd - start >= minSpeech) speeches.push({ start, end: tempEnd });
      triggered = false;
      tempEnd = 0;
    }
  });
  if (triggered && total - start > minSpeech) speeches.push({ start, end: total });
  speeches.forEach((s, i) => {
    if (i === 0) s.start = Math.max(0, s.start - pad);
    const next = speeches[i + 1];
    if (next) {
      const gap = next.start - s.end;
      if (gap < 2 * pad) {
        s.end += Math.floor(gap / 2);
        next.start = Math.max(0, next.start - Math.floor(gap / 2));
      } else {
        s.end = Math.min(total, s.end + pad);
        next.start = Math.max(0, next.start - pad);
      }
    } else {
      s.end = Math.min(total, s.end + pad);
    }
  });
  return speeches;
}

const frames = (spec: [number, number][]): number[] => spec.flatMap(([p, n]) => Array<number>(n).fill(p));

describe('SpeechSegmenter', () => {
  it('finds one padded region in silence-speech-silence', () => {
    // 10 silent frames, 20 speech frames, 10 silent frames (512 samples each)
    const regions = runAll(
      frames([
        [0.05, 10],
        [0.9, 20],
        [0.05, 10],
      ]),
    );
    expect(regions).toEqual([{ start: 10 * 512 - 480, end: 30 * 512 + 480 }]);
  });

  it('keeps a region open through dips that stay above the lower threshold (hysteresis)', () => {
    const regions = runAll(
      frames([
        [0.05, 5],
        [0.9, 10],
        [0.4, 10],
        [0.9, 10],
        [0.05, 10],
      ]),
    );
    expect(regions).toHaveLength(1);
    const plain = runAll(
      frames([
        [0.05, 5],
        [0.9, 10],
        [0.2, 10],
        [0.9, 10],
        [0.05, 10],
      ]),
    );
    expect(plain).toHaveLength(2);
  });

  it('does not split on a silence shorter than minSilenceMs', () => {
    // 2 frames = 64 ms of silence < 100 ms
    expect(
      runAll(
        frames([
          [0.05, 5],
          [0.9, 12],
          [0.05, 2],
          [0.9, 12],
          [0.05, 10],
        ]),
      ),
    ).toHaveLength(1);
    // 6 frames = 192 ms >= 100 ms
    expect(
      runAll(
        frames([
          [0.05, 5],
          [0.9, 12],
          [0.05, 6],
          [0.9, 12],
          [0.05, 10],
        ]),
      ),
    ).toHaveLength(2);
  });

  it('drops regions shorter than minSpeechMs', () => {
    // 5 frames = 160 ms < 250 ms
    expect(
      runAll(
        frames([
          [0.05, 5],
          [0.9, 5],
          [0.05, 20],
        ]),
      ),
    ).toEqual([]);
  });

  it('splits the padding at the midpoint when regions are closer than twice the pad', () => {
    const opts = { ...OPTS, minSilenceMs: 20, speechPadMs: 100 };
    const regions = runAll(
      frames([
        [0.05, 10],
        [0.9, 20],
        [0.05, 3],
        [0.9, 20],
        [0.05, 20],
      ]),
      opts,
    );
    expect(regions).toHaveLength(2);
    expect(regions[0]!.end).toBe(regions[1]!.start);
    expect(regions[0]!.end).toBe(30 * 512 + Math.floor((3 * 512) / 2));
  });

  it('emits a region while streaming, once enough silence follows it', () => {
    const seg = new SpeechSegmenter(OPTS);
    const emitted: number[] = [];
    frames([
      [0.05, 5],
      [0.9, 20],
      [0.05, 30],
    ]).forEach((p, i) => {
      if (seg.pushFrame(p).length > 0) emitted.push(i);
    });
    expect(emitted).toHaveLength(1);
    // closed after minSilence (100 ms = ~3.1 frames) past the end of speech at frame 25, well before the stream ends
    expect(emitted[0]).toBeGreaterThanOrEqual(28);
    expect(emitted[0]).toBeLessThan(32);
    expect(seg.finish(55 * 512)).toEqual([]);
  });

  it('reports the start of a region in progress', () => {
    const seg = new SpeechSegmenter(OPTS);
    frames([[0.05, 10]]).forEach((p) => seg.pushFrame(p));
    expect(seg.openStart()).toBeNull();
    frames([[0.9, 5]]).forEach((p) => seg.pushFrame(p));
    expect(seg.openStart()).toBe(10 * 512 - 480);
  });

  it('matches the batch reference on random probability sequences, with several option sets', () => {
    const rand = prng(42);
    const optionSets: SegmenterOptions[] = [
      OPTS,
      { ...OPTS, minSilenceMs: 20, speechPadMs: 200 },
      { ...OPTS, threshold: 0.3, minSpeechMs: 0, speechPadMs: 0 },
      { ...OPTS, minSilenceMs: 500, minSpeechMs: 100, speechPadMs: 60 },
    ];
    let nonEmpty = 0;
    for (let trial = 0; trial < 200; trial++) {
      // bursty sequences: runs of speech-like and silence-like probabilities
      const probs: number[] = [];
      while (probs.length < 400) {
        const speechy = rand() < 0.5;
        const run = 1 + Math.floor(rand() * 30);
        for (let i = 0; i < run; i++) probs.push(speechy ? 0.3 + rand() * 0.7 : rand() * 0.5);
      }
      const opts = optionSets[trial % optionSets.length]!;
      const got = runAll(probs, opts);
      expect(got).toEqual(reference(probs, opts));
      if (got.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(100);
  });
});
