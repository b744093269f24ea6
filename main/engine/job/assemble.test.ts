import { describe, expect, it } from 'vitest';
import { SAMPLE_RATE } from '@common/audio';
import type { WindowRecord } from '../checkpoints/store';
import { assembleTranscript, LONG_WINDOW_SEC } from './assemble';

const META = { title: 't', source: { name: 'a.wav', durationSec: 600 } };
const s = (sec: number): number => Math.round(sec * SAMPLE_RATE);

function record(over: Partial<WindowRecord> & Pick<WindowRecord, 'index' | 'text'>): WindowRecord {
  return {
    type: 'window',
    windowId: `w${over.index}`,
    startSample: 0,
    endSample: s(10),
    speechStartSample: s(0.25),
    speechEndSample: s(9.75),
    hardStart: false,
    hardEnd: false,
    overlapSamples: 0,
    tokenCount: 10,
    stopReason: 'eos',
    attempts: 1,
    flags: [],
    ...over,
  };
}

describe('assembleTranscript', () => {
  it('keeps a window up to LONG_WINDOW_SEC as one segment over its speech, as before', () => {
    const t = assembleTranscript(
      [record({ index: 0, text: 'One sentence.  Two sentences. ', language: 'en' })],
      META,
    );
    expect(LONG_WINDOW_SEC).toBe(30);
    expect(t.segments).toEqual([
      {
        id: 's0',
        startSec: 0.25,
        endSec: 9.75,
        text: 'One sentence. Two sentences.',
        windowId: 'w0',
        language: 'en',
      },
    ]);
  });

  it('splits a long window into sentences timed on its speech regions', () => {
    const text = 'Good morning everyone. The budget is approved today. Thank you all for coming.';
    const regions: [number, number][] = [
      [s(100), s(101.6)],
      [s(130), s(132.4)],
      [s(170), s(172.2)],
    ];
    const t = assembleTranscript(
      [
        record({
          index: 4,
          text,
          startSample: s(99.75),
          endSample: s(172.45),
          speechStartSample: s(100),
          speechEndSample: s(172.2),
          speechRegions: regions,
          flags: ['loop'],
        }),
      ],
      META,
    );
    expect(t.segments.map((x) => [x.id, x.startSec, x.endSec, x.text, x.windowId, x.flags])).toEqual([
      ['s4', 100, 101.6, 'Good morning everyone.', 'w4', ['loop']],
      ['s4.1', 130, 132.4, 'The budget is approved today.', 'w4', ['loop']],
      ['s4.2', 170, 172.2, 'Thank you all for coming.', 'w4', ['loop']],
    ]);
  });

  it("keeps a retried window unflagged with its attempts; an old log's retried flag becomes the attempts", () => {
    const t = assembleTranscript(
      [
        record({ index: 0, text: 'First.', startSample: s(1), endSample: s(3), attempts: 2 }),
        record({
          index: 1,
          text: 'Second.',
          startSample: s(5),
          endSample: s(7),
          attempts: 3,
          flags: ['retried'],
        }),
        record({
          index: 2,
          text: 'Third.',
          startSample: s(9),
          endSample: s(11),
          attempts: 3,
          flags: ['retried', 'loop'],
        }),
        record({ index: 3, text: 'Fourth.', startSample: s(13), endSample: s(15) }),
      ],
      META,
    );
    expect(t.segments.map((x) => [x.flags, x.attempts])).toEqual([
      [undefined, 2],
      [undefined, 3],
      [['loop'], 3],
      [undefined, undefined],
    ]);
  });

  it('times a long window saved without regions over its speech span, and marks only the cut ends', () => {
    const t = assembleTranscript(
      [
        record({
          index: 1,
          text: 'Aaaa bbbb. Cccc dddd.',
          startSample: s(50),
          endSample: s(90),
          speechStartSample: s(50),
          speechEndSample: s(90),
          hardEnd: true,
        }),
      ],
      META,
    );
    expect(t.segments.map((x) => [x.startSec, x.endSec, x.flags])).toEqual([
      [50, 70, undefined],
      [70, 90, ['hard_cut']],
    ]);
  });

  it('stitches the seam of a hard cut before splitting, so the overlap words appear once', () => {
    const left = record({
      index: 0,
      text: 'We agreed on the plan. The numbers look good for the',
      startSample: 0,
      endSample: s(40),
      speechStartSample: 0,
      speechEndSample: s(40),
      hardEnd: true,
      speechRegions: [[0, s(40)]],
    });
    const right = record({
      index: 1,
      text: 'good for the second quarter.',
      startSample: s(38.5),
      endSample: s(45),
      speechStartSample: s(38.5),
      speechEndSample: s(44.5),
      hardStart: true,
      overlapSamples: s(1.5),
    });
    const t = assembleTranscript([right, left], META);
    expect(t.segments.map((x) => x.text).join(' ')).toBe(
      'We agreed on the plan. The numbers look good for the second quarter.',
    );
    expect(t.segments.map((x) => x.id)).toEqual(['s0', 's0.1', 's1']);
  });

  it("flags a hard cut only when it lands in speech: a cut in a pause (speech ends before it) is no 'Hard cut'", () => {
    // live windows of 10 s: the cutter ends a window's speech at the pause it cut in (scheduler/cutter.ts cutHard)
    const windows = (firstSpeechEnd: number): WindowRecord[] => [
      record({
        index: 0,
        text: 'The north field is a pot of gold.',
        startSample: 0,
        endSample: s(9),
        speechStartSample: s(0.25),
        speechEndSample: s(firstSpeechEnd),
        hardEnd: true,
        speechRegions: [[s(0.25), s(firstSpeechEnd)]],
      }),
      record({
        index: 1,
        text: 'gold. That is one thing.',
        startSample: s(7.5),
        endSample: s(14),
        speechStartSample: s(7.5),
        speechEndSample: s(13.75),
        hardStart: true,
        overlapSamples: s(1.5),
        speechRegions: [[s(7.5), s(13.75)]],
      }),
    ];
    const flagsOf = (records: WindowRecord[]) =>
      assembleTranscript(records, META).segments.map((x) => x.flags ?? []);
    expect(flagsOf(windows(8.8))).toEqual([[], []]);
    expect(flagsOf(windows(9))).toEqual([['hard_cut'], ['hard_cut']]);
    // a log written before the regions were kept: every hard cut is still flagged
    const old = windows(8.8).map(({ speechRegions: _, ...r }) => r);
    expect(flagsOf(old)).toEqual([['hard_cut'], ['hard_cut']]);
    // the seam is stitched either way
    expect(assembleTranscript(windows(8.8), META).segments.map((x) => x.text)).toEqual([
      'The north field is a pot of gold.',
      'That is one thing.',
    ]);
  });
});
