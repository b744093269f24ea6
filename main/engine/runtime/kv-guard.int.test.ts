/**
 * Issue 23, "no abort, ever": a KV cache type the device has no SET_ROWS / FLASH_ATTN_EXT kernels for must end in
 * KV_TYPE_UNSUPPORTED before llama.cpp sees it (llama.cpp itself aborts the process there). The CPU backend here has
 * every kernel, so a device without them is made with the addon's test switch: it overrides only the answer of
 * ggml_backend_dev_supports_op inside the guard, and the guard, the context creation and llama.cpp run as always.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KV_TYPE_UNSUPPORTED_HINT, RotorError } from '@common/errors';
import { KV_CACHE_TYPES, kvCacheTypeInfo } from '@common/kv-cache-types';
import { hostsPerTest } from '../host/testkit';
import { loadRuntimeFacts } from './facts';
import { kvSupport, kvTypesOn, setKvSupportOverrideForTests } from './kv-support';
import { loadAddon } from './native';
import { runtimeTestDir, syntheticPcm, tinyVoxtralModel } from './testkit';
import type { VoxtralModel } from './voxtral';

const dir = runtimeTestDir('kv-guard');
const makeHost = hostsPerTest();
let model: VoxtralModel;

beforeAll(async () => {
  ({ model } = await tinyVoxtralModel(dir));
});

afterEach(() => setKvSupportOverrideForTests(null));

afterAll(async () => {
  setKvSupportOverrideForTests(null);
  model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<RotorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RotorError);
  return err as RotorError;
}

describe('the device query', () => {
  it('the CPU runs every cache type of this build, alone and in the mixed pairs the advisor uses', () => {
    const all = KV_CACHE_TYPES.map((t) => t.name);
    expect(kvTypesOn('CPU')).toEqual(all);
    expect(kvSupport('CPU', 'iso3', 'iso4')).toBeNull();
    expect(kvSupport('CPU', 'q8_0', 'iso3')).toBeNull();
    expect(kvSupport('CPU', 'iso3', 'f16', { flashAttention: 'off' })).toBeNull();
  });

  it('reports a kernel the CPU really lacks, with no override: SET_ROWS into iq2_xxs (ggml has no quantizer for it)', () => {
    // 256-value blocks: asked with a head size they divide
    const bad = loadAddon().kvSupport({ device: 'CPU', typeK: 16, typeV: 1, headDimK: 256, headDimV: 256 });
    expect(bad).toMatchObject({
      device: 'CPU',
      op: 'SET_ROWS',
      type: 'iq2_xxs',
      role: 'writing the K cache',
    });
    expect(bad!.message).toMatch(/iq2_xxs .* CPU: .* SET_ROWS/);
  });

  it('refuses shapes and modes that can never work instead of tripping ggml asserts', () => {
    expect(
      kvSupport('CPU', 'iso3', 'iso3', { shape: { headDimK: 64, headDimV: 64, nHead: 8, nHeadKv: 2 } }),
    ).toMatchObject({
      op: 'NONE',
      message: expect.stringMatching(/blocks of 128 values, which do not divide the head size 64/),
    });
    expect(kvSupport('CPU', 'f16', 'q8_0', { flashAttention: 'off' })?.message).toMatch(
      /needs flash attention/,
    );
    expect(() => loadAddon().kvSupport({ device: 'NoSuchGPU', typeK: 1 })).toThrow(/no ggml device named/);
  });

  it('with the switch, the device list the advisor reads leaves the type out on that device only', async () => {
    setKvSupportOverrideForTests([{ device: 'CPU', type: 'iso3' }]);
    expect(kvTypesOn('CPU')).not.toContain('iso3');
    expect(kvTypesOn('CPU')).toContain('iso4');
    expect(kvSupport('CPU', 'q8_0', 'iso3')).toMatchObject({
      op: 'SET_ROWS',
      type: 'iso3',
      role: 'writing the V cache',
    });
    const facts = await loadRuntimeFacts();
    expect(facts.ok).toBe(true);
    if (!facts.ok) return;
    const cpu = facts.devices.find((d) => d.name === 'CPU');
    expect(cpu?.kvTypes).toEqual(KV_CACHE_TYPES.map((t) => t.name).filter((t) => t !== 'iso3'));
    // the build still has the type: only the device lacks it
    expect(facts.supportedKvTypes).toContain('iso3');
    setKvSupportOverrideForTests(null);
    expect(kvTypesOn('CPU')).toContain('iso3');
  });
});

describe('context creation on a device without the kernels', () => {
  it('fails with KV_TYPE_UNSUPPORTED naming the device, the op and the type; the process survives and f16 works next', async () => {
    setKvSupportOverrideForTests([{ device: 'CPU', type: 'iso3' }]);
    const err = await rejection(
      model.createContext({ contextSize: 512, typeK: 'iso3', typeV: 'iso3', flashAttention: 'on' }),
    );
    expect(err.code).toBe('KV_TYPE_UNSUPPORTED');
    expect(err.message).toBe(
      'the KV cache type iso3 cannot run on device CPU: it has no SET_ROWS kernel for writing the K cache',
    );
    expect(err.hint).toBe(KV_TYPE_UNSUPPORTED_HINT);

    // only V of the unsupported type, and a flash-attention kernel missing for a pair
    const v = await rejection(model.createContext({ contextSize: 512, typeK: 'q8_0', typeV: 'iso3' }));
    expect(v.message).toMatch(
      /iso3 cannot run on device CPU: it has no SET_ROWS kernel for writing the V cache/,
    );
    expect(loadAddon().runningJobs()).toBe(0);

    // the next job, with a cache the device runs, is unaffected
    const ctx = await model.createContext({ contextSize: 512, typeK: 'f16', typeV: 'f16', threads: 2 });
    try {
      const res = await ctx.transcribe(syntheticPcm(1, 3), { maxTokens: 3 });
      expect(res.windows[0]!.tokens.length).toBe(3);
    } finally {
      ctx.dispose();
    }
  });

  it('names FLASH_ATTN_EXT when the writes run but attention does not', async () => {
    // a q8_0 cache is written from f32 rows; only the attention reads an f16 tensor (its mask), so a device that
    // "lacks" f16 kernels passes the writes and fails at flash attention
    setKvSupportOverrideForTests([{ device: 'CPU', type: 'f16' }]);
    const err = await rejection(
      model.createContext({ contextSize: 512, typeK: 'q8_0', typeV: 'q8_0', flashAttention: 'on' }),
    );
    expect(err.code).toBe('KV_TYPE_UNSUPPORTED');
    expect(err.message).toBe(
      'the KV cache type q8_0 cannot run on device CPU: it has no FLASH_ATTN_EXT kernel for attention while decoding (flash attention)',
    );
  });

  it('the same cache type is created and decodes once the switch is off', async () => {
    const ctx = await model.createContext({
      contextSize: 512,
      typeK: 'iso3',
      typeV: 'iso3',
      flashAttention: 'on',
      threads: 2,
    });
    try {
      expect(ctx.memory().kvBytes).toBe(512 * model.kvBytesPerToken('iso3', 'iso3'));
      const res = await ctx.transcribe(syntheticPcm(1, 4), { maxTokens: 2 });
      expect(res.windows[0]!.tokens.length).toBe(2);
    } finally {
      ctx.dispose();
    }
    expect(kvCacheTypeInfo('iso3').ggmlTypeId).toBe(44);
  });
});

describe('through the engine worker', () => {
  it('listDevices carries the cache types each device runs, for the advisor in main and the CLI', async () => {
    const list = await makeHost().request('listDevices', {});
    expect(list.source).toBe('runtime');
    const cpu = list.devices.find((d) => d.name === 'CPU');
    expect(cpu?.kvTypes).toEqual(KV_CACHE_TYPES.map((t) => t.name));
  });
});
