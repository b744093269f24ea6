import { copyFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import {
  TINY_ENCODER_WIDTH_POW2,
  writeSyntheticVoxtral,
  type VoxtralFixture,
} from '../../../fixtures/voxtral';
import { runtimeTestDir, syntheticPcm, tinyVoxtral } from './testkit';
import {
  kvTypeSupported,
  listDevices,
  loadVoxtral,
  setNativeLogger,
  type VoxtralContext,
  type VoxtralModel,
} from './voxtral';

const dir = runtimeTestDir('runtime');
let fx: VoxtralFixture;
let model: VoxtralModel;
let ctx: VoxtralContext;

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<RotorError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RotorError);
  expect((err as RotorError).code).toBe(code);
  return err as RotorError;
}

beforeAll(async () => {
  ({ fx, model, ctx } = await tinyVoxtral(dir));
});

afterAll(async () => {
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('load', () => {
  it('reports the model and verifies the control tokens', () => {
    expect(model.info.nEmbd).toBe(fx.meta.text.nEmbd);
    expect(model.info.nLayer).toBe(fx.meta.text.nLayer);
    expect(model.info.audioSampleRate).toBe(16000);
    expect(model.info.controlTokens.inst).toBe(fx.meta.specialIds.inst);
    expect(model.info.controlTokens.transcribe).toBe(fx.meta.specialIds.transcribe);
    expect(model.info.controlTokens.beginAudio).toBe(fx.meta.specialIds.beginAudio);
    // default rate is the reference one (no pooling): 1500 encoder frames / 4 stacked
    expect(model.audioTokenRate).toBe('reference');
    expect(model.info.audioTokensPer30s).toBe(375);
  });

  it('reports progress while loading and the pooled rate when asked', async () => {
    const progress: number[] = [];
    const pooled = await loadVoxtral({
      modelPath: fx.modelPath,
      mmprojPath: fx.mmprojPath,
      audioTokenRate: 'pooled',
      onProgress: (p) => progress.push(p),
    });
    try {
      expect(pooled.info.audioTokensPer30s).toBe(188);
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toBe(1);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    } finally {
      pooled.dispose();
    }
  });

  it("holds the encoder's F16 weights as BF16 on request (patch 0005): same memory, the same window still transcribes", async () => {
    // the default is the addon's choice for the CPU backend it loaded (BF16 only with AVX512_BF16)
    expect(typeof model.info.encoderBf16).toBe('boolean');
    const load = (encoderBf16: boolean) =>
      loadVoxtral({ modelPath: fx.modelPath, mmprojPath: fx.mmprojPath, encoderBf16, warmup: false });
    const [bf16, f16] = [await load(true), await load(false)];
    try {
      expect(bf16.info.encoderBf16).toBe(true);
      expect(f16.info.encoderBf16).toBe(false);
      const run = async (m: VoxtralModel) => {
        const c = await m.createContext({ contextSize: 2048, threads: 2 });
        try {
          const res = await c.transcribe(syntheticPcm(4, 21), { maxTokens: 2 });
          return { audioTokens: res.windows[0]!.audioTokens, mmproj: c.memory().mmprojWeightsBytes };
        } finally {
          c.dispose();
        }
      };
      const [a, b] = [await run(bf16), await run(f16)];
      expect(a.audioTokens).toBe(b.audioTokens);
      expect(a.mmproj).toBe(b.mmproj);
    } finally {
      bf16.dispose();
      f16.dispose();
    }
  });

  it('lists at least the CPU device with its memory', () => {
    const devices = listDevices();
    const cpu = devices.find((d) => d.type === 'cpu');
    expect(cpu).toBeDefined();
    expect(cpu!.memoryTotal).toBeGreaterThan(0);
  });
});

describe('transcribe', () => {
  it('turns audio into tokens, streaming pieces that add up to the text', async () => {
    const pieces: string[] = [];
    const res = await ctx.transcribe([{ pcm: syntheticPcm(3, 1), language: 'en' }], {
      maxTokens: 12,
      onPiece: (i, text) => {
        expect(i).toBe(0);
        pieces.push(text);
      },
    });
    const w = res.windows[0]!;
    expect(w.tokens.length).toBe(12);
    expect(w.stopReason).toBe('max_tokens');
    expect(w.text.length).toBeGreaterThan(0);
    expect(pieces.join('')).toBe(w.text);
    expect(model.detokenize(w.tokens)).toBe(w.text);
    // one 30 s chunk at the reference rate + <s>[INST] [BEGIN_AUDIO] … [/INST]lang:en[TRANSCRIBE]
    expect(w.audioTokens).toBe(375);
    const textTokens = model.tokenize('[INST][/INST]lang:en[TRANSCRIBE]', { addSpecial: true }).length + 1; // + [BEGIN_AUDIO]
    expect(w.promptTokens).toBe(375 + textTokens);
    expect(res.timings.decodedTokens).toBe(12);
    expect(res.timings.encodeMs).toBeGreaterThan(0);
    expect(res.timings.audioPrefillMs).toBeGreaterThan(0);
    expect(res.timings.audioPrefillMs).toBeLessThanOrEqual(res.timings.prefillMs);
  });

  it('is deterministic and depends on the audio', async () => {
    const a1 = await ctx.transcribe(syntheticPcm(2, 3), { maxTokens: 8 });
    const a2 = await ctx.transcribe(syntheticPcm(2, 3), { maxTokens: 8 });
    expect([...a2.windows[0]!.tokens]).toEqual([...a1.windows[0]!.tokens]);
    // a random-weight decoder may still pick the same tokens; its next-token distribution must move with the audio
    const la = await ctx.evaluateLogits(syntheticPcm(2, 3));
    const lb = await ctx.evaluateLogits(syntheticPcm(2, 4).map((v, i) => v + 0.3 * Math.sin(i * 0.37)));
    const la2 = await ctx.evaluateLogits(syntheticPcm(2, 3));
    let maxDiff = 0;
    for (let i = 0; i < la.nVocab; i++)
      maxDiff = Math.max(maxDiff, Math.abs(la.rows[0]![i]! - lb.rows[0]![i]!));
    expect(maxDiff).toBeGreaterThan(1e-3);
    expect(Array.from(la2.rows[0]!)).toEqual(Array.from(la.rows[0]!));
  });

  it('decodes parallel sequences exactly like sequential ones (greedy)', async () => {
    const windows = [1, 2, 3].map((seed) => ({ pcm: syntheticPcm(1 + seed, seed + 10), maxTokens: 10 }));
    const par = await model.createContext({ contextSize: 3 * 1024, parallel: 3, threads: 2 });
    try {
      const together = await par.transcribe(windows);
      expect(together.windows).toHaveLength(3);
      for (let i = 0; i < windows.length; i++) {
        const alone = await ctx.transcribe([windows[i]!]);
        expect([...together.windows[i]!.tokens]).toEqual([...alone.windows[0]!.tokens]);
      }
      // a per-window cap smaller than the others
      const mixed = await par.transcribe([{ ...windows[0]!, maxTokens: 4 }, windows[1]!]);
      expect(mixed.windows[0]!.tokens.length).toBe(4);
      expect(mixed.windows[1]!.tokens.length).toBe(10);
    } finally {
      par.dispose();
    }
  });

  it('cancels mid-decode and stays usable', async () => {
    const ac = new AbortController();
    let pieces = 0;
    const p = ctx.transcribe(syntheticPcm(2, 5), {
      maxTokens: 1500,
      signal: ac.signal,
      onPiece: () => {
        pieces++;
        if (pieces === 3) ac.abort();
      },
    });
    await expectCode(p, 'CANCELLED');
    expect(pieces).toBeGreaterThanOrEqual(3);
    expect(pieces).toBeLessThan(1500);
    const again = await ctx.transcribe(syntheticPcm(2, 5), { maxTokens: 3 });
    expect(again.windows[0]!.tokens.length).toBe(3);
    await expectCode(ctx.transcribe(syntheticPcm(1, 5), { signal: AbortSignal.abort() }), 'CANCELLED');
  });

  it('rejects a second decode on a busy context', async () => {
    const first = ctx.transcribe(syntheticPcm(2, 6), { maxTokens: 40 });
    await expectCode(ctx.transcribe(syntheticPcm(1, 6), { maxTokens: 2 }), 'ENGINE_BUSY');
    await first;
  });

  it('never blocks the event loop during a transcription', async () => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await ctx.transcribe(syntheticPcm(8, 8), { maxTokens: 64, onPiece: () => undefined });
    clearInterval(timer);
    h.disable();
    const p99Ms = h.percentile(99) / 1e6;
    expect(ticks).toBeGreaterThan(5);
    expect(p99Ms).toBeLessThan(50);
  });

  it('answers questions about audio (understanding mode)', async () => {
    const res = await ctx.ask(syntheticPcm(2, 9), 'What is said?', { maxTokens: 6 });
    expect(res.tokens.length).toBe(6);
    expect(res.text.length).toBeGreaterThan(0);
  });
});

describe('lifecycle and logging', () => {
  it('disposing a context mid-decode cancels it; the model keeps working', async () => {
    const c = await model.createContext({ contextSize: 1024, threads: 2 });
    let pieces = 0;
    const p = c.transcribe(syntheticPcm(1, 14), {
      maxTokens: 900,
      onPiece: () => {
        if (++pieces === 2) c.dispose();
      },
    });
    await expectCode(p, 'CANCELLED');
    expect(c.disposed).toBe(true);
    expect(() => c.memory()).toThrow(RotorError);
    const res = await ctx.transcribe(syntheticPcm(1, 14), { maxTokens: 2 });
    expect(res.windows[0]!.tokens.length).toBe(2);
  });

  it('is silent by default and routes llama.cpp logs to a callback on request', async () => {
    const lines: string[] = [];
    setNativeLogger((level, text) => lines.push(`${level}:${text}`), 'info');
    try {
      const c = await model.createContext({ contextSize: 512 });
      c.dispose();
      await new Promise((r) => setTimeout(r, 50));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.startsWith('info:'))).toBe(true);
    } finally {
      setNativeLogger(null);
    }
    const after = lines.length;
    const c2 = await model.createContext({ contextSize: 512 });
    c2.dispose();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.length).toBe(after);
  });
});

describe('logits', () => {
  it('returns next-token logits whose argmax is the greedy choice', async () => {
    const pcm = syntheticPcm(2, 11);
    const greedy = await ctx.transcribe(pcm, { maxTokens: 4 });
    const tokens = greedy.windows[0]!.tokens;
    const ev = await ctx.evaluateLogits(pcm, { steps: 4 });
    expect(ev.nVocab).toBe(model.info.nVocab);
    expect(ev.rows).toHaveLength(4);
    const argmax = (row: Float32Array): number => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);
    expect(ev.rows.map(argmax)).toEqual([...tokens]);
    // teacher forcing the same tokens gives the same rows, plus one after the last token; the forced tokens go
    // through as one batch, so only the row after the prompt is bit-identical
    const forced = await ctx.evaluateLogits(pcm, { forcedTokens: tokens });
    expect(forced.rows).toHaveLength(5);
    expect(forced.tokens).toEqual(tokens);
    expect(Array.from(forced.rows[0]!)).toEqual(Array.from(ev.rows[0]!));
    for (let r = 1; r < 4; r++) {
      const a = forced.rows[r]!;
      const b = ev.rows[r]!;
      expect(argmax(a)).toBe(argmax(b));
      const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      expect(diff).toBeLessThan(5e-3 * scale); // F16 weights: 1- vs n-row mat-mul rounding (~2e-3)
    }
  });
});

describe('memory', () => {
  it('reports the KV cache at n_ctx × per-token bytes and the weights', () => {
    const m = ctx.memory();
    const perToken = 2 * fx.meta.text.nLayer * fx.meta.text.nHeadKv * fx.meta.text.headDim * 2; // K+V, f16
    expect(model.kvBytesPerToken('f16', 'f16')).toBe(perToken);
    expect(m.kvBytes).toBe(2048 * perToken);
    expect(m.expectedKvBytes).toBe(m.kvBytes);
    expect(m.weightsBytes).toBeGreaterThan(0);
    expect(m.weightsBytes).toBeLessThanOrEqual(model.info.modelBytes * 1.1);
    expect(m.computeBytes).toBeGreaterThan(0);
    // the encoder's weights are what its GGUF holds (llama.cpp's converter keeps them as stored)
    expect(m.mmprojWeightsBytes).toBeGreaterThanOrEqual(model.mmprojWeightsBytes);
    expect(m.mmprojWeightsBytes).toBeLessThan(model.mmprojWeightsBytes * 1.05 + 65536);
    expect(m.mmprojComputeBytes).toBeGreaterThan(0);
    expect(m.buffers.some((b) => b.host)).toBe(true);
  });

  it('shrinks the KV cache with a quantized type', async () => {
    const q = await model.createContext({
      contextSize: 2048,
      typeK: 'q8_0',
      typeV: 'q8_0',
      flashAttention: 'on',
      threads: 2,
    });
    try {
      expect(q.memory().kvBytes).toBe(2048 * model.kvBytesPerToken('q8_0', 'q8_0'));
      expect(q.memory().kvBytes).toBeLessThan(ctx.memory().kvBytes);
      const res = await q.transcribe(syntheticPcm(1, 12), { maxTokens: 3 });
      expect(res.windows[0]!.tokens.length).toBe(3);
    } finally {
      q.dispose();
    }
  });
});

describe('errors', () => {
  it('MODEL_NOT_FOUND', async () => {
    await expectCode(
      loadVoxtral({ modelPath: join(dir, 'nope.gguf'), mmprojPath: fx.mmprojPath }),
      'MODEL_NOT_FOUND',
    );
    await expectCode(
      loadVoxtral({ modelPath: fx.modelPath, mmprojPath: join(dir, 'nope.gguf') }),
      'MODEL_NOT_FOUND',
    );
  });

  it('MODEL_NOT_GGUF', async () => {
    const bogus = join(dir, 'bogus.gguf');
    await writeFile(bogus, Buffer.from('this is not a model file at all, just text'.repeat(10)));
    await expectCode(loadVoxtral({ modelPath: bogus, mmprojPath: fx.mmprojPath }), 'MODEL_NOT_GGUF');
  });

  it('MODEL_TRUNCATED (data cut short, and header cut short)', async () => {
    const cut = join(dir, 'cut.gguf');
    await copyFile(fx.modelPath, cut);
    await truncate(cut, fx.meta.modelBytes - 1000);
    await expectCode(loadVoxtral({ modelPath: cut, mmprojPath: fx.mmprojPath }), 'MODEL_TRUNCATED');
    await truncate(cut, 200);
    await expectCode(loadVoxtral({ modelPath: cut, mmprojPath: fx.mmprojPath }), 'MODEL_TRUNCATED');
  });

  it('MODEL_WRONG_ARCH', async () => {
    await expectCode(loadVoxtral({ modelPath: fx.mmprojPath, mmprojPath: fx.modelPath }), 'MODEL_WRONG_ARCH');
  });

  it('MODEL_MMPROJ_MISMATCH (projector width and non-audio file)', async () => {
    const other = await writeSyntheticVoxtral({
      dir: join(dir, 'other'),
      size: 'tiny',
      seed: 2,
      text: { nEmbd: 384 },
    });
    await expectCode(
      loadVoxtral({ modelPath: fx.modelPath, mmprojPath: other.mmprojPath }),
      'MODEL_MMPROJ_MISMATCH',
    );
    await expectCode(
      loadVoxtral({ modelPath: fx.modelPath, mmprojPath: other.modelPath }),
      'MODEL_MMPROJ_MISMATCH',
    );
  });

  it('MODEL_TOKENIZER when a control token is missing', async () => {
    const broken = join(dir, 'no-transcribe.gguf');
    const bytes = await readFile(fx.modelPath);
    const at = bytes.indexOf(Buffer.from('[TRANSCRIBE]'));
    expect(at).toBeGreaterThan(0);
    bytes.write('[TRANSCRIBX]', at, 'latin1');
    await writeFile(broken, bytes);
    await expectCode(loadVoxtral({ modelPath: broken, mmprojPath: fx.mmprojPath }), 'MODEL_TOKENIZER');
  });

  it('CONTEXT_TOO_LARGE', async () => {
    await expectCode(model.createContext({ contextSize: 200_000 }), 'CONTEXT_TOO_LARGE');
  });

  it('CONTEXT_OVERFLOW (window longer than a sequence, too many windows)', async () => {
    const small = await model.createContext({ contextSize: 256 });
    try {
      await expectCode(small.transcribe(syntheticPcm(2, 1)), 'CONTEXT_OVERFLOW');
      await expectCode(
        small.transcribe([{ pcm: syntheticPcm(1, 1) }, { pcm: syntheticPcm(1, 2) }]),
        'CONTEXT_OVERFLOW',
      );
    } finally {
      small.dispose();
    }
  });

  it('AUDIO_BAD_FORMAT (rate, type, empty, NaN)', async () => {
    await expectCode(
      ctx.transcribe([{ pcm: syntheticPcm(1, 1, 44100), sampleRate: 44100 }]),
      'AUDIO_BAD_FORMAT',
    );
    await expectCode(
      ctx.transcribe([{ pcm: new Float64Array(16000) as unknown as Float32Array }]),
      'AUDIO_BAD_FORMAT',
    );
    await expectCode(ctx.transcribe(new Float32Array(0)), 'AUDIO_BAD_FORMAT');
    const nan = syntheticPcm(1, 1);
    nan[100] = Number.NaN;
    await expectCode(ctx.transcribe(nan), 'AUDIO_BAD_FORMAT');
  });

  it('KV_TYPE_UNSUPPORTED for types this build lacks, RotorQuant types when it has them', async () => {
    if (kvTypeSupported('planar3')) {
      const c = await model.createContext({
        contextSize: 512,
        typeK: 'planar3',
        typeV: 'planar3',
        flashAttention: 'on',
      });
      expect(c.memory().kvBytes).toBe(512 * model.kvBytesPerToken('planar3', 'planar3'));
      const res = await c.transcribe(syntheticPcm(1, 2), { maxTokens: 2 });
      expect(res.windows[0]!.tokens.length).toBe(2);
      c.dispose();
    } else {
      await expectCode(model.createContext({ typeK: 'planar3' }), 'KV_TYPE_UNSUPPORTED');
    }
    await expectCode(model.createContext({ typeK: 'q9_9' as never }), 'KV_TYPE_UNSUPPORTED');
  });

  it('survives all of the above and still transcribes', async () => {
    const res = await ctx.transcribe(syntheticPcm(1, 13), { maxTokens: 2 });
    expect(res.windows[0]!.tokens.length).toBe(2);
  });
});

describe('power-of-two encoder width (unpatched llama.cpp aborts here)', () => {
  it('loads and transcribes at both audio token rates', async () => {
    const p2 = await writeSyntheticVoxtral({
      dir: join(dir, 'pow2'),
      size: 'tiny',
      seed: 7,
      encoderWidth: TINY_ENCODER_WIDTH_POW2,
    });
    expect(p2.meta.unpatchedPooledAborts).toBe(true);
    for (const rate of ['reference', 'pooled'] as const) {
      const m = await loadVoxtral({
        modelPath: p2.modelPath,
        mmprojPath: p2.mmprojPath,
        audioTokenRate: rate,
      });
      try {
        const c = await m.createContext({ contextSize: 1024 });
        const res = await c.transcribe(syntheticPcm(2, 1), { maxTokens: 4 });
        expect(res.windows[0]!.audioTokens).toBe(rate === 'reference' ? 375 : 188);
        expect(res.windows[0]!.tokens.length).toBe(4);
      } finally {
        m.dispose();
      }
    }
  });
});
