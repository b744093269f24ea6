import { describe, expect, it } from 'vitest';
import type { StreamingVad } from '../main/engine/job/stages/front-end';
import type { SpeechRegion } from '../main/engine/scheduler/cutter';
import {
  allRegions,
  RecordingVad,
  ReplayVad,
  speechSecIn,
  standInStream,
  type FrontEndRecording,
} from './gpu-engine-replay';

/** A scripted VAD: closes a region at given pushes and reports an open start in between. */
function scripted(): StreamingVad {
  let n = 0;
  const closes: Record<number, SpeechRegion[]> = {
    1: [{ startSec: 0.1, endSec: 0.9 }],
    3: [
      { startSec: 1.2, endSec: 1.5 },
      { startSec: 1.7, endSec: 2.4 },
    ],
  };
  return {
    get openStartSec() {
      return n === 2 ? 1.2 : null;
    },
    push: () => closes[n++] ?? [],
    flush: () => [{ startSec: 3, endSec: 3.2 }],
  };
}

async function record(lengths: number[]): Promise<FrontEndRecording> {
  const vad = new RecordingVad(scripted());
  for (const n of lengths) await vad.push(new Float32Array(n));
  await vad.flush();
  return {
    durationSec: 4,
    samples: lengths.reduce((a, b) => a + b, 0),
    chunkSamples: lengths[0]!,
    pushLengths: vad.pushLengths,
    closed: vad.closed,
    open: vad.open,
    flushed: vad.flushed,
    frontEndSec: 1,
    windows: 1,
  };
}

describe('front-end recording and replay', () => {
  it('replays the same regions and open starts at the same pushes', async () => {
    const lengths = [100, 100, 100, 100, 37];
    const rec = await record(lengths);
    expect(rec.pushLengths).toEqual([
      [100, 4],
      [37, 1],
    ]);
    const live = scripted();
    const replay = new ReplayVad(rec);
    for (const n of lengths) {
      const pcm = new Float32Array(n);
      expect(replay.push(pcm)).toEqual(await live.push(pcm));
      expect(replay.openStartSec).toBe(live.openStartSec);
    }
    expect(replay.flush()).toEqual(await live.flush());
    expect(allRegions(rec)).toHaveLength(4);
  });

  it('refuses a stream that differs from the recording', async () => {
    const rec = await record([100, 100]);
    const replay = new ReplayVad(rec);
    expect(() => replay.push(new Float32Array(99))).toThrow(/push 0 has 99 samples/);
    const short = new ReplayVad(rec);
    short.push(new Float32Array(100));
    expect(() => short.flush()).toThrow(/1 pushes, the recording has 2/);
  });

  it('stands in audio of the recorded length in chunks of the asked size', async () => {
    const block = Float32Array.from([1, 2, 3]);
    const chunks: Float32Array[] = [];
    const s = standInStream(10, 4, block);
    for await (const c of s) chunks.push(c);
    expect(chunks.map((c) => c.length)).toEqual([4, 4, 2]);
    expect([...chunks[1]!]).toEqual([2, 3, 1, 2]);
    expect(s.stats().samples).toBe(10);
  });

  it('counts the speech inside a span', () => {
    const regions = [
      { startSec: 0, endSec: 2 },
      { startSec: 5, endSec: 9 },
    ];
    expect(speechSecIn(regions, 1, 6)).toBe(2);
    expect(speechSecIn(regions, 2, 5)).toBe(0);
  });
});
