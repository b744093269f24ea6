import { windowCells } from '@common/window-budget';
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotorError } from '@common/errors';
import { breakdownTotal } from '@common/memory-breakdown';
import type { RunConfig } from '@common/advisor-types';
import { writeSyntheticVoxtral } from '../../fixtures/voxtral';
import { VOXTRAL_DECODER, VOXTRAL_ENCODER, VOXTRAL_VARIANTS } from './catalog';
import { tensorBytes } from './ggml-sizes';
import {
  GiB,
  audioChunks,
  contextPlan,
  decoderComputeBytes,
  describeModel,
  encoderComputeBytes,
  estimateMemory,
  kvBytesPerToken,
  offloadSplit,
  repackTypes,
  repackedBytes,
  tokensPerChunk,
} from './memory-model';
import { readModelDescription } from './model-info';
import { PROFILES } from './test-profiles';

const q4 = VOXTRAL_VARIANTS.find((v) => v.id === 'Q4_K_M')!.model;
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  weights: 'Q4_K_M',
  kvTypeK: 'f16',
  kvTypeV: 'f16',
  windowSeconds: 120,
  parallelWindows: 1,
  gpuLayers: 0,
  threads: 4,
  flashAttention: true,
  tokenRate: 'pooled',
  ...over,
});

describe('KV bytes per token (voxtral.md derived values)', () => {
  it.each([
    ['f16', 120],
    ['q8_0', 63.75],
    ['q4_0', 33.75],
    ['iso3', 23.90625],
    ['planar3', 23.90625],
    ['iso4', 31.40625],
  ] as const)('%s: %s KiB', (type, kib) => {
    expect(kvBytesPerToken(VOXTRAL_DECODER, type, type) / 1024).toBe(kib);
  });

  it('mixes K and V types', () => {
    expect(kvBytesPerToken(VOXTRAL_DECODER, 'q8_0', 'iso3')).toBe(30 * (8 * 34 * 4 + 8 * 51));
  });

  it('gives the 32k figures: f16 3.75 GiB, 3-bit 0.75 GiB', () => {
    expect((32768 * kvBytesPerToken(VOXTRAL_DECODER, 'f16', 'f16')) / GiB).toBe(3.75);
    expect((32768 * kvBytesPerToken(VOXTRAL_DECODER, 'iso3', 'iso3')) / GiB).toBeCloseTo(0.747, 3);
  });

  it('refuses a block that would straddle heads', () => {
    const dims = { ...VOXTRAL_DECODER, headDimK: 64, headDimV: 64 };
    expect(() => kvBytesPerToken(dims, 'iso3', 'iso3')).toThrow(RotorError);
    expect(kvBytesPerToken(dims, 'q8_0', 'q8_0')).toBe(30 * 2 * 8 * 2 * 34);
  });
});

describe('context for an audio window', () => {
  it('counts 30 s chunks the way mtmd cuts them (an exact multiple adds one)', () => {
    expect(audioChunks(10)).toBe(1);
    expect(audioChunks(29.98)).toBe(1);
    expect(audioChunks(30)).toBe(2);
    expect(audioChunks(45)).toBe(2);
    expect(audioChunks(59.5)).toBe(2);
    expect(audioChunks(60)).toBe(3);
  });

  it('uses 187 pooled or 375 reference tokens per chunk', () => {
    expect(tokensPerChunk(q4.encoder, 'pooled')).toBe(187);
    expect(tokensPerChunk(q4.encoder, 'reference')).toBe(375);
  });

  it('sums the windows of a unified cache and pads to 256 cells', () => {
    const one = contextPlan(q4, config({ windowSeconds: 100 }));
    expect(one.audioTokensPerWindow).toBe(4 * 187);
    // the engine's own sizing (common/window-budget.ts): prompt + spare, all chunks, the output cap
    expect(one.tokensPerWindow).toBe(windowCells(100, 187));
    expect(one.tokensPerWindow).toBe(4 * 187 + 48 + 16 + 8 * 60 + 5 * 40);
    const four = contextPlan(q4, config({ windowSeconds: 100, parallelWindows: 4 }));
    expect(four.nCtx).toBe(Math.ceil((4 * one.tokensPerWindow) / 256) * 256);
    expect(four.nCtx % 256).toBe(0);
  });

  it('flags a window beyond the 32k context', () => {
    expect(contextPlan(q4, config({ windowSeconds: 1800, tokenRate: 'reference' })).withinContextLimit).toBe(
      true,
    );
    const long = contextPlan(q4, config({ windowSeconds: 2400, tokenRate: 'reference' }));
    expect(long.withinContextLimit).toBe(false);
    expect(
      estimateMemory(q4, config({ windowSeconds: 2400, tokenRate: 'reference' }), PROFILES.desktop24).fits,
    ).toBe(false);
  });
});

describe('working buffers', () => {
  // buffers measured with the runtime on the real-dimension model (CPU backend, n_ubatch 512), see bench/advisor.ts
  it('reproduces the measured decoder compute buffers', () => {
    const mib = (n: number, fa: boolean) => decoderComputeBytes(VOXTRAL_DECODER, n, fa) / 2 ** 20;
    for (const n of [2048, 8192, 16384, 32768]) expect(mib(n, true)).toBeCloseTo(268.0, 1);
    // a quantized (rotated) V cache: 274.00 MiB measured in most configurations
    expect(decoderComputeBytes(VOXTRAL_DECODER, 12288, true, 512, true) / 2 ** 20).toBeCloseTo(274.0, 1);
    expect(mib(4096, false)).toBeCloseTo(302.01, 1);
    expect(mib(8192, false)).toBeCloseTo(566.01, 1);
    expect(mib(32768, false)).toBeGreaterThan(4 * mib(32768, true));
  });

  it('reproduces the measured encoder compute buffer', () => {
    expect(encoderComputeBytes(VOXTRAL_ENCODER) / 2 ** 20).toBeCloseTo(51.27, 2);
    // without flash attention the 1500×1500×20 scores dominate
    expect(encoderComputeBytes(VOXTRAL_ENCODER, false)).toBeGreaterThan(1500 * 1500 * 20 * 4);
  });
});

describe('placement', () => {
  it('moves the output head first, then the last layers (llama.cpp n_gpu_layers)', () => {
    expect(offloadSplit(q4, 0)).toEqual({ gpuLayerCount: 0, outputOnGpu: false });
    expect(offloadSplit(q4, 1)).toEqual({ gpuLayerCount: 0, outputOnGpu: true });
    expect(offloadSplit(q4, 31)).toEqual({ gpuLayerCount: 30, outputOnGpu: true });
    expect(offloadSplit(q4, 999)).toEqual({ gpuLayerCount: 30, outputOnGpu: true });
  });

  it('puts everything in RAM without a GPU and splits weights exactly with one', () => {
    const cpu = estimateMemory(q4, config(), PROFILES.cpu8);
    expect(cpu.pools.map((p) => p.pool)).toEqual(['ram']);
    expect(cpu.pools[0]!.breakdown.weights).toBe(q4.weightBytes);
    const half = estimateMemory(q4, config({ gpuLayers: 16 }), PROFILES.laptop6);
    const [ram, vram] = half.pools;
    expect(ram!.breakdown.weights + vram!.breakdown.weights).toBe(q4.weightBytes);
    expect(vram!.breakdown.kv / (ram!.breakdown.kv + vram!.breakdown.kv)).toBeCloseTo(15 / 30, 6);
    // partial offload keeps the encoder on the host; full offload moves it
    expect(ram!.breakdown.mmproj).toBe(q4.mmprojBytes);
    const full = estimateMemory(q4, config({ gpuLayers: 31 }), PROFILES.laptop6);
    expect(full.pools[1]!.breakdown.mmproj).toBe(q4.mmprojBytes);
    expect(full.pools[0]!.breakdown.mmproj).toBe(0);
  });

  it('counts unified memory once', () => {
    const e = estimateMemory(q4, config({ gpuLayers: 31 }), PROFILES.apple16);
    expect(e.pools).toHaveLength(1);
    expect(e.pools[0]!.pool).toBe('unified');
    expect(e.pools[0]!.breakdown.weights).toBe(q4.weightBytes);
    expect(e.pools[0]!.total).toBe(breakdownTotal(e.pools[0]!.breakdown));
  });

  it('ignores GPU layers on a machine without a GPU', () => {
    expect(estimateMemory(q4, config({ gpuLayers: 31 }), PROFILES.cpu8).config.gpuLayers).toBe(0);
  });
});

describe('model description from GGUF headers', () => {
  it('reads dimensions from nested or flat metadata and sums tensor bytes', () => {
    const tensors = [
      { name: 'token_embd.weight', dimensions: [64, 100], ggmlType: 12 },
      { name: 'blk.0.attn_q.weight', dimensions: [256, 64], ggmlType: 12 },
      { name: 'blk.0.attn_norm.weight', dimensions: [64], ggmlType: 0 },
      { name: 'blk.1.attn_q.weight', dimensions: [256, 64], ggmlType: 8 },
      { name: 'output.weight', dimensions: [64, 100], ggmlType: 14 },
    ];
    const flat = {
      'general.architecture': 'llama',
      'llama.block_count': 2,
      'llama.embedding_length': 64,
      'llama.feed_forward_length': 256,
      'llama.attention.head_count': 4,
      'llama.attention.head_count_kv': 2,
    };
    const d = describeModel('x', { metadata: flat, tensorInfo: tensors });
    expect(d.decoder).toMatchObject({ nLayer: 2, nHead: 4, nHeadKv: 2, headDimK: 16, nVocab: 100 });
    expect(d.layerBytes).toEqual([64 * 144 + 64 * 4, 8 * 34 * 64]);
    expect(d.tokenEmbdBytes).toBe(tensorBytes(12, [64, 100]));
    expect(d.weightBytes).toBe(d.layerBytes[0]! + d.layerBytes[1]! + d.tokenEmbdBytes + d.outputBytes);
    const nested = describeModel('x', {
      metadata: {
        general: { architecture: 'llama' },
        llama: {
          block_count: 2,
          embedding_length: 64,
          feed_forward_length: 256,
          attention: { head_count: 4, head_count_kv: 2 },
        },
      },
      tensorInfo: tensors,
    });
    expect(nested.decoder).toEqual(d.decoder);
  });

  it('rejects a header without the decoder keys with a typed error', () => {
    expect(() =>
      describeModel('x', { metadata: { 'general.architecture': 'llama' }, tensorInfo: [] }),
    ).toThrow(/lacks llama\./);
    expect(() => describeModel('x', { metadata: {} })).toThrow(RotorError);
  });

  it('reads a synthetic Voxtral pair through the engine GGUF reader and matches its tensor bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'advisor-'));
    try {
      const fx = await writeSyntheticVoxtral({ dir, size: 'tiny' });
      const d = await readModelDescription('tiny', fx.modelPath, fx.mmprojPath);
      expect(d.decoder.nLayer).toBe(fx.meta.text.nLayer);
      expect(d.decoder.nHeadKv).toBe(fx.meta.text.nHeadKv);
      expect(d.decoder.nVocab).toBe(fx.meta.text.nVocab);
      expect(d.encoder?.nEmbd).toBe(fx.meta.encoder.nEmbd);
      // tensor data is the file minus header and alignment padding: a few kB at most
      expect(fx.meta.modelBytes - d.weightBytes).toBeGreaterThan(0);
      expect(fx.meta.modelBytes - d.weightBytes).toBeLessThan(64 * 1024);
      expect(fx.meta.mmprojBytes - d.mmprojBytes).toBeGreaterThan(0);
      expect(fx.meta.mmprojBytes - d.mmprojBytes).toBeLessThan(64 * 1024);
      await expect(readModelDescription('x', join(dir, 'missing.gguf'))).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('CPU weight repacking', () => {
  // measured: the Q4_K_M fixture's CPU_REPACK buffer held exactly its 1508.63 MiB of blk Q4_K tensors (AVX2 host)
  it('picks the types ggml-cpu repacks for the host SIMD', () => {
    expect([...repackTypes(['avx2', 'fma'])].sort((a, b) => a - b)).toEqual([2, 12, 20, 39]);
    expect(repackTypes(['sse4_2']).size).toBe(0);
    expect(repackTypes(['neon', 'dotprod']).has(14)).toBe(true);
    expect(repackTypes(['neon']).size).toBe(0);
  });

  it('counts repacked layers on the CPU only, as reclaimable and outside the total', () => {
    const x86 = repackedBytes(q4, 0, ['avx2']);
    const q4kShare =
      Object.values(q4.matmulBytesByType.layers[0]!).length > 0 ? q4.matmulBytesByType.layers[0]![12]! : 0;
    expect(x86).toBe(30 * q4kShare);
    expect(repackedBytes(q4, 0, ['neon', 'dotprod'])).toBeGreaterThan(x86);
    expect(repackedBytes(q4, 31, ['avx2'])).toBe(0);
    expect(repackedBytes(q4, 16, ['avx2'])).toBe(15 * q4kShare);
    const e = estimateMemory(q4, config(), PROFILES.cpu8);
    expect(e.pools[0]!.reclaimable).toBe(x86);
    expect(e.pools[0]!.total).toBe(breakdownTotal(e.pools[0]!.breakdown));
    expect(e.pools[0]!.breakdown.weights).toBe(q4.weightBytes);
  });
});
