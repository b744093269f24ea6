/**
 * kv-decode (bench/kv-decode.cpp, built into native/build/bin by the native build) on the tiny synthetic Voxtral:
 * the synthetic sequence state must load into f16 and iso3 caches, decode must run on top of it, and the bytes per
 * token it reports must be what the cache type's block layout says.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowBytes, type KvCacheType } from '@common/kv-cache-types';
import { writeSyntheticVoxtral, type VoxtralFixture } from '../fixtures/voxtral';
import { parseKvDecodeOutput, type KvDecodeOutput } from './kv-decode-output';

const binDir = process.env.ROTORSCRIBE_RQ_TEST_DIR ?? resolve(__dirname, '..', 'native', 'build', 'bin');
const exe = join(binDir, 'kv-decode');
const DEPTH = 600;
const N_DECODE = 4;

let dir: string;
let tiny: VoxtralFixture;

function run(args: string[]): { status: number | null; out: KvDecodeOutput; stderr: string } {
  const res = spawnSync(exe, [tiny.modelPath, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: res.status, out: parseKvDecodeOutput(`${res.stdout}`), stderr: `${res.stderr}` };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-decode-'));
  tiny = await writeSyntheticVoxtral({ dir, size: 'tiny', seed: 3 });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('kv-decode: decode after a synthetic cache state', () => {
  it('is built by the native build', () => {
    expect(existsSync(exe), exe).toBe(true);
  });

  it('loads a synthetic state of DEPTH cells into f16 and iso3 caches and decodes on top of it', () => {
    const { status, out, stderr } = run([
      '--depths',
      String(DEPTH),
      '--pairs',
      'f16:f16,iso3:iso3',
      '--fill',
      'synth',
      '--n-decode',
      String(N_DECODE),
      '--threads',
      '1',
      '--batch-threads',
      '1',
    ]);
    expect(status, stderr).toBe(0);
    expect(out.failures).toEqual([]);

    const { nLayer, nHeadKv, headDim } = tiny.meta.text;
    const values = nHeadKv * headDim;
    expect(out.kv).toHaveLength(2);
    for (const type of ['f16', 'iso3'] as KvCacheType[]) {
      const kv = out.kv.find((l) => l.k === type && l.v === type);
      expect(kv, type).toBeDefined();
      if (!kv) continue;
      // the state blob's row sizes (what the synthetic state was written with) follow the type's block layout
      expect(kv.nLayer).toBe(nLayer);
      expect(kv.kBytesPerToken).toBe(nLayer * rowBytes(type, values));
      expect(kv.vBytesPerToken).toBe(nLayer * rowBytes(type, values));
      expect(kv.bytesPerToken).toBe(2 * nLayer * rowBytes(type, values));
      // and llama.cpp allocated exactly that per cell (its log prints MiB with two decimals)
      expect(Math.abs(kv.allocMib - (kv.bytesPerToken * kv.cells) / 2 ** 20)).toBeLessThanOrEqual(0.006);
      expect(kv.cells).toBeGreaterThanOrEqual(DEPTH + N_DECODE);

      const d = out.decode.find((l) => l.k === type && l.v === type);
      expect(d, type).toBeDefined();
      if (!d) continue;
      expect(d.fill).toBe('synth');
      expect(d.status).toBe('ok');
      expect(d.cells).toBe(DEPTH);
      expect(d.nDecode).toBe(N_DECODE);
      expect(d.logitsFinite).toBe(true);
      expect(d.decodeTokS).toBeGreaterThan(0);
      expect(d.tokens.length).toBeGreaterThan(0);
      for (const t of d.tokens) expect(t).toBeLessThan(tiny.meta.vocab.size);
    }
    // 3.1875 bits per value against 16 (51-byte blocks of 128)
    const f16 = out.kv.find((l) => l.k === 'f16') as NonNullable<(typeof out.kv)[number]>;
    const iso3 = out.kv.find((l) => l.k === 'iso3') as NonNullable<(typeof out.kv)[number]>;
    expect(f16.bytesPerToken / iso3.bytesPerToken).toBeCloseTo(16 / 3.1875, 6);
  });

  it('times decode after a real prefill too (--fill both) and reports a real prefill from an empty cache', () => {
    const { status, out, stderr } = run([
      '--depths',
      '300',
      '--pairs',
      'iso3:q8_0',
      '--fill',
      'both',
      '--n-decode',
      '2',
      '--threads',
      '1',
      '--batch-threads',
      '1',
      '--prefill',
      '64',
    ]);
    expect(status, stderr).toBe(0);
    expect(out.failures).toEqual([]);
    expect(out.decode.map((d) => d.fill).sort()).toEqual(['prefill', 'synth']);
    for (const d of out.decode) expect(d.cells).toBe(300);
    expect(out.xcheck).toHaveLength(1);
    expect(out.prefill).toHaveLength(1);
    expect(out.prefill[0]?.tokens).toBe(64);
    expect(out.prefill[0]?.logitsFinite).toBe(true);
    const { nLayer, nHeadKv, headDim } = tiny.meta.text;
    expect(out.kv[0]?.kBytesPerToken).toBe(nLayer * rowBytes('iso3', nHeadKv * headDim));
    expect(out.kv[0]?.vBytesPerToken).toBe(nLayer * rowBytes('q8_0', nHeadKv * headDim));
  });

  it('rejects an unknown cache type with usage status 2 and no measurement', () => {
    const { status, out, stderr } = run(['--depths', '64', '--pairs', 'iso9:iso9']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/unknown cache type/);
    expect(out.decode).toEqual([]);
  });
});
