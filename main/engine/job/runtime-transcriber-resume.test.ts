import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { RuntimeTranscriber, type RuntimeContextLike } from './runtime-transcriber';

/** A runtime that "decodes" tokens 10..14, forcing a given prefix first, with a piece for every token. */
function fakeRuntime(supportsPrefix: boolean, calls: (number | undefined)[]): RuntimeContextLike {
  return {
    async transcribe(windows, opts) {
      calls.push(windows[0]!.prefixTokens?.length);
      if (!supportsPrefix && windows.some((w) => w.prefixTokens)) {
        throw new RotorError('ENGINE_CRASHED', 'old addon', { detail: 'no_forced_continuation' });
      }
      const tokens = [10, 11, 12, 13, 14];
      windows.forEach((_, i) => tokens.forEach((t) => opts.onPiece?.(i, `<${t}>`, t)));
      return { windows: windows.map(() => ({ text: 'five', tokens, stopReason: 'eos' as const })) };
    },
  };
}

const req = {
  windowId: 'w',
  pcm: new Float32Array(8),
  startSec: 0,
  maxTokens: 20,
  attempt: 1,
  prefixTokens: [10, 11],
};

describe('RuntimeTranscriber resuming a window', () => {
  it('passes the prefix, reports only the tokens decoded after it, and every piece', async () => {
    const calls: (number | undefined)[] = [];
    const tokens: number[] = [];
    const pieces: string[] = [];
    const r = await new RuntimeTranscriber(fakeRuntime(true, calls), 1).transcribe([req], {
      onTokens: (_id, t) => tokens.push(...t),
      onPiece: (_id, p) => pieces.push(p),
    });
    expect(calls).toEqual([2]);
    expect(tokens).toEqual([12, 13, 14]);
    expect(pieces.join('')).toBe('<10><11><12><13><14>');
    expect(r[0]).toEqual({ text: 'five', tokenCount: 5, stopReason: 'eos' });
  });

  it('decodes from the start when the engine cannot continue after forced tokens', async () => {
    const calls: (number | undefined)[] = [];
    const tokens: number[] = [];
    await new RuntimeTranscriber(fakeRuntime(false, calls), 1).transcribe([req], {
      onTokens: (_id, t) => tokens.push(...t),
    });
    expect(calls).toEqual([2, undefined]);
    expect(tokens).toEqual([10, 11, 12, 13, 14]);
  });
});
