import { describe, expect, it } from 'vitest';
import {
  AUDIO_TOKENS_PER_CHUNK,
  audioChunks,
  MAX_WINDOW_SEC,
  maxWindowSecFor,
  outputTokenCap,
  VOXTRAL_CONTEXT_TOKENS,
  windowCells,
} from './window-budget';

describe('window budget', () => {
  it('counts the 30 s chunks mtmd makes, with the extra chunk from 10 ms short of each multiple', () => {
    // measured on the tiny model (long-window.int.test.ts: 75 s → 3 × 375 audio tokens; 30 s → 2 chunks, 29.9 s → 1)
    expect(audioChunks(5)).toBe(1);
    expect(audioChunks(29.98)).toBe(1);
    expect(audioChunks(29.99)).toBe(2);
    expect(audioChunks(30)).toBe(2);
    expect(audioChunks(75)).toBe(3);
    expect(audioChunks(119.5)).toBe(4);
    expect(audioChunks(120)).toBe(5);
  });

  it('sizes a short window as before and a long one by all its chunks and its output cap', () => {
    expect(windowCells(28)).toBe(32 + 375 + 240 + 16);
    expect(windowCells(75)).toBe(32 + 3 * 375 + outputTokenCap(75) + 16);
    expect(windowCells(75, 188)).toBe(32 + 3 * 188 + outputTokenCap(75) + 16);
  });

  it('bounds the window by the 32k context with room for the text: about 30 minutes', () => {
    expect(windowCells(MAX_WINDOW_SEC)).toBeLessThanOrEqual(VOXTRAL_CONTEXT_TOKENS);
    expect(windowCells(MAX_WINDOW_SEC + 1)).toBeGreaterThan(VOXTRAL_CONTEXT_TOKENS);
    expect(MAX_WINDOW_SEC).toBeGreaterThan(25 * 60);
    expect(MAX_WINDOW_SEC).toBeLessThanOrEqual(31 * 60);
    // the audio alone never exceeds the context at the bound
    expect(audioChunks(MAX_WINDOW_SEC) * AUDIO_TOKENS_PER_CHUNK).toBeLessThan(VOXTRAL_CONTEXT_TOKENS);
    // llama.cpp's pooled rate halves the audio tokens: longer windows fit
    expect(maxWindowSecFor(VOXTRAL_CONTEXT_TOKENS, 188)).toBeGreaterThan(MAX_WINDOW_SEC);
  });

  it('grows the output cap with the length, at the sustained rate past the first minute', () => {
    expect(outputTokenCap(28)).toBe(240);
    expect(outputTokenCap(60)).toBe(496);
    expect(outputTokenCap(120)).toBe(796);
    for (let s = 1; s < 2000; s += 37) expect(outputTokenCap(s + 1)).toBeGreaterThan(outputTokenCap(s));
  });
});
