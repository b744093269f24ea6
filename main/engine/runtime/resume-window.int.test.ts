/**
 * Resuming a window inside its decode: the audio is prefilled again, the tokens saved before the interruption are
 * forced (teacher forcing, one token per decoder call, as the interrupted run wrote them into the cache) and greedy
 * decoding continues after them. The result must be the uninterrupted run's, token for token, and only the tokens
 * after the prefix are chosen by the decoder.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowCells } from '@common/window-budget';
import { maxTokensFor } from '../scheduler/quality';
import { runtimeTestDir, syntheticPcm, tinyVoxtralModel } from './testkit';
import type { VoxtralModel } from './voxtral';

const dir = runtimeTestDir('resume-window');
let model: VoxtralModel;

beforeAll(async () => {
  ({ model } = await tinyVoxtralModel(dir, { seed: 21, threads: 1 }));
});

afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('a window resumed from its saved tokens', () => {
  it('90 s: forcing any prefix of the uninterrupted output and continuing gives the same tokens and text', async () => {
    const sec = 90;
    const pcm = syntheticPcm(sec, 5);
    const ctx = await model.createContext({ contextSize: windowCells(sec), threads: 1 });
    try {
      const maxTokens = maxTokensFor(sec);
      const whole = await ctx.transcribe([{ pcm, maxTokens }]);
      const ref = whole.windows[0]!;
      expect(ref.tokens.length).toBeGreaterThan(8);
      const cuts = [1, Math.floor(ref.tokens.length / 3), ref.tokens.length - 1];
      for (const p of cuts) {
        const pieces: number[] = [];
        const res = await ctx.transcribe([{ pcm, maxTokens, prefixTokens: ref.tokens.subarray(0, p) }], {
          onPiece: (_i, _text, token) => pieces.push(token),
        });
        const w = res.windows[0]!;
        expect(Array.from(w.tokens)).toEqual(Array.from(ref.tokens));
        expect(w.text).toBe(ref.text);
        expect(w.stopReason).toBe(ref.stopReason);
        // a piece event for every token, forced ones included, in order
        expect(pieces).toEqual(Array.from(ref.tokens));
        // the saved tokens were fed, not chosen: only the rest was decoded greedily
        expect(res.timings.forcedTokens).toBe(p);
        expect(res.timings.decodedTokens - res.timings.forcedTokens).toBe(ref.tokens.length - p);
        expect(whole.timings.forcedTokens).toBe(0);
        console.log(
          `resume at ${p}/${ref.tokens.length} tokens: ${res.timings.forcedTokens} forced, ` +
            `${res.timings.decodedTokens - res.timings.forcedTokens} chosen; decode ${res.timings.decodeMs.toFixed(0)} ms ` +
            `(uninterrupted ${whole.timings.decodeMs.toFixed(0)} ms)`,
        );
      }
    } finally {
      ctx.dispose();
    }
  });
});
