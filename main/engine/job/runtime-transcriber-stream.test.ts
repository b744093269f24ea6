import { describe, expect, it } from 'vitest';
import {
  RuntimeTranscriber,
  type RuntimeContextLike,
  type RuntimeStreamLike,
  type RuntimeWindow,
  type RuntimeWindowResult,
} from './runtime-transcriber';

/**
 * A runtime whose streams finish a window when the test says so: each window's text is its pcm length, and a piece
 * (its own length as the token) is sent for it first.
 */
function fakeStreams(): {
  ctx: RuntimeContextLike;
  opened: number;
  closed: number;
  finish(index: number): void;
  submitted: RuntimeWindow[];
} {
  const state = {
    opened: 0,
    closed: 0,
    submitted: [] as RuntimeWindow[],
    finish: (_index: number): void => undefined,
    ctx: undefined as unknown as RuntimeContextLike,
  };
  state.ctx = {
    transcribe: () => Promise.reject(new Error('a streaming runtime is not called per batch')),
    openStream(opts): RuntimeStreamLike {
      state.opened++;
      let ended = false;
      let next = 0;
      const pending = new Map<number, (r: RuntimeWindowResult) => void>();
      const windows = new Map<number, RuntimeWindow>();
      state.finish = (index) => {
        const w = windows.get(index)!;
        opts.onPiece?.(index, `len${w.pcm.length}`, w.pcm.length);
        pending.get(index)!({ text: `len${w.pcm.length}`, tokens: [w.pcm.length], stopReason: 'eos' });
      };
      return {
        submit(w) {
          if (ended) throw new Error('submitted to a closed stream');
          const index = next++;
          state.submitted.push(w);
          windows.set(index, w);
          return { index, result: new Promise((resolve) => pending.set(index, resolve)) };
        },
        close: async () => {
          ended = true;
          state.closed++;
        },
        cancel: () => undefined,
      };
    },
  };
  return state;
}

const win = (id: string, samples: number) => ({
  windowId: id,
  pcm: new Float32Array(samples),
  startSec: 0,
  maxTokens: 20,
  attempt: 1,
});

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RuntimeTranscriber on a streaming runtime', () => {
  it('gives concurrent calls one stream, routes each window its own pieces, and closes the stream once idle', async () => {
    const rt = fakeStreams();
    const t = new RuntimeTranscriber(rt.ctx, 2);
    expect(t.queueAhead).toBe(3);
    const pieces: string[] = [];
    const onPiece = (id: string, text: string): void => void pieces.push(`${id}:${text}`);
    // more windows than slots: the stream queues them
    const a = t.transcribe([win('a', 3)], { onPiece });
    const b = t.transcribe([win('b', 5), win('c', 7)], { onPiece });
    await turn();
    expect(rt.opened).toBe(1);
    expect(rt.submitted.map((w) => w.pcm.length)).toEqual([3, 5, 7]);
    rt.finish(2); // windows end in any order
    rt.finish(0);
    expect(await a).toEqual([{ text: 'len3', tokenCount: 1, stopReason: 'eos' }]);
    await turn();
    expect(rt.closed).toBe(0); // b is still in flight
    rt.finish(1);
    expect((await b).map((r) => r.text)).toEqual(['len5', 'len7']);
    expect(pieces).toEqual(['c:len7', 'a:len3', 'b:len5']);
    await turn();
    expect(rt.closed).toBe(1);
    // a later call opens a new stream, after the last one has ended
    const d = t.transcribe([win('d', 2)]);
    await turn();
    expect(rt.opened).toBe(2);
    rt.finish(0);
    expect((await d)[0]!.text).toBe('len2');
  });
});
