/**
 * Windows longer than mtmd's 30 s chunk: the window's audio goes in as consecutive encoder chunks of one sequence of
 * one context, and its text comes out of one generation pass. On the tiny synthetic model, checked against
 * llama.cpp's own llama-mtmd-cli (which evaluates the same chunks with mtmd_helper_eval_chunks).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIO_TOKENS_PER_CHUNK, audioChunks, windowCells } from '@common/window-budget';
import { writeWav } from '../../../fixtures/audio';
import { type VoxtralFixture } from '../../../fixtures/voxtral';
import { cellsPerSequence, createRuntimeEngine } from '../job/runtime-transcriber';
import { maxTokensFor } from '../scheduler/quality';
import { mtmdCliGreedy, quantize16, runtimeTestDir, syntheticPcm, tinyVoxtralModel } from './testkit';
import type { VoxtralModel } from './voxtral';

const dir = runtimeTestDir('long-window');
let fx: VoxtralFixture;
let model: VoxtralModel;

beforeAll(async () => {
  ({ fx, model } = await tinyVoxtralModel(dir, { seed: 21, threads: 1 }));
});

afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('a window longer than one 30 s encoder chunk', () => {
  it('75 s: three chunks in one sequence, one pass, text produced, in a context sized from the window', async () => {
    const sec = 75;
    expect(audioChunks(sec)).toBe(3);
    const cells = cellsPerSequence(model.info.audioTokensPer30s, sec);
    expect(cells).toBe(windowCells(sec));
    const ctx = await model.createContext({ contextSize: cells, threads: 1 });
    try {
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      const res = await ctx.transcribe(syntheticPcm(sec, 3), { maxTokens: maxTokensFor(sec) });
      const wallMs = performance.now() - t0;
      const w = res.windows[0]!;
      expect(res.windows).toHaveLength(1);
      expect(w.audioTokens).toBe(3 * AUDIO_TOKENS_PER_CHUNK);
      // the prompt's text tokens around the audio, all prefilled before the first generated token
      expect(w.promptTokens).toBeGreaterThan(w.audioTokens);
      expect(w.promptTokens).toBeLessThan(w.audioTokens + 16);
      expect(res.timings.prefillTokens).toBe(w.promptTokens);
      expect(w.tokens.length).toBeGreaterThan(0);
      expect(w.text.length).toBeGreaterThan(0);
      // one generation pass: one decode step per generated token after the prefill, no restart per chunk
      expect(res.timings.decodedTokens).toBe(w.tokens.length);
      expect(res.timings.decodeSteps).toBeLessThanOrEqual(w.tokens.length);
      const mem = ctx.memory();
      console.log(
        `75 s window, tiny model, 1 thread: ${w.tokens.length} tokens (${w.stopReason}), encode ${res.timings.encodeMs.toFixed(0)} ms, ` +
          `prefill ${res.timings.prefillMs.toFixed(0)} ms (${w.promptTokens} tokens), decode ${res.timings.decodeMs.toFixed(0)} ms, ` +
          `wall ${wallMs.toFixed(0)} ms; context ${cells} cells, KV ${mem.kvBytes} B, compute ${mem.computeBytes} B, ` +
          `encoder compute ${mem.mmprojComputeBytes} B, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (+${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0)})`,
      );
    } finally {
      ctx.dispose();
    }
  });

  it('the chunks occupy the sequence: a context one token short of the prompt refuses, a nearly full one stops', async () => {
    const pcm = syntheticPcm(75, 3);
    const tight = await model.createContext({ contextSize: 3 * AUDIO_TOKENS_PER_CHUNK, threads: 1 });
    try {
      await expect(tight.transcribe(pcm)).rejects.toMatchObject({ code: 'CONTEXT_OVERFLOW' });
    } finally {
      tight.dispose();
    }
    const first = await model.createContext({ contextSize: 2048, threads: 1 });
    let promptTokens: number;
    try {
      promptTokens = (await first.transcribe(pcm, { maxTokens: 1 })).windows[0]!.promptTokens;
    } finally {
      first.dispose();
    }
    // room for 6 more positions after the three chunks: the text is decoded after them in the same sequence
    const nearlyFull = await model.createContext({ contextSize: promptTokens + 6, threads: 1 });
    try {
      const w = (await nearlyFull.transcribe(pcm, { maxTokens: 100 })).windows[0]!;
      expect(w.stopReason).toBe('context_full');
      expect(w.tokens.length).toBeLessThanOrEqual(6);
    } finally {
      nearlyFull.dispose();
    }
  });

  it('2 min through the job engine: the context is sized from the plan and the window comes back in one piece', async () => {
    const engine = await createRuntimeEngine(
      model,
      { kvK: 'f16', kvV: 'f16', maxWindowSec: 120, parallel: 1 },
      1,
    );
    try {
      expect(engine.memory?.nCtx).toBe(windowCells(120));
      const t0 = performance.now();
      const [r] = await engine.transcriber.transcribe([
        {
          windowId: 'w000000',
          pcm: syntheticPcm(119.5, 4),
          startSec: 0,
          maxTokens: maxTokensFor(119.5),
          attempt: 1,
        },
      ]);
      expect(r!.tokenCount).toBeGreaterThan(0);
      expect(r!.tokenCount).toBeLessThanOrEqual(maxTokensFor(119.5));
      expect(['eos', 'max_tokens']).toContain(r!.stopReason);
      console.log(
        `2 min window, tiny model, 1 thread: ${r!.tokenCount} tokens (${r!.stopReason}) in ${(performance.now() - t0).toFixed(0)} ms; ` +
          `context ${engine.memory?.nCtx} cells, KV ${engine.memory?.kvBytes} B, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
    } finally {
      engine.dispose();
    }
  });

  it('bounds each sequence by the 32k context, not the sum over parallel long windows', async () => {
    const perSeq = windowCells(1200);
    expect(2 * perSeq).toBeGreaterThan(32_768);
    const two = await model.createContext({ contextSize: 2 * perSeq, parallel: 2, threads: 1 });
    try {
      expect(two.info.nSeqMax).toBe(2);
    } finally {
      two.dispose();
    }
    await expect(model.createContext({ contextSize: 2 * perSeq, threads: 1 })).rejects.toMatchObject({
      code: 'CONTEXT_TOO_LARGE',
    });
  });

  it('the same greedy text as llama-mtmd-cli for a 75 s window', async () => {
    const pcm = quantize16(syntheticPcm(75, 5));
    const wav = await writeWav(join(dir, 'long.wav'), pcm);
    const nTokens = 24;
    const stdout = await mtmdCliGreedy({ modelPath: fx.modelPath, mmprojPath: fx.mmprojPath, wav, nTokens });
    expect(stdout.endsWith('\n\n')).toBe(true);

    const ctx = await model.createContext({ contextSize: 2048, threads: 1 });
    try {
      const w = (await ctx.transcribe(pcm, { maxTokens: nTokens })).windows[0]!;
      expect(w.audioTokens).toBe(3 * AUDIO_TOKENS_PER_CHUNK);
      expect(w.tokens.length).toBe(nTokens);
      expect(stdout.replace(/^\n/, '').replace(/\n+$/, '')).toBe(w.text);
    } finally {
      ctx.dispose();
    }
  });
});
