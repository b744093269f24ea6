/**
 * The KV cache guard (issue 23, "no abort, ever") on a ggml backend that really lacks the RotorQuant kernels:
 * native/tests/test-kv-guard.cpp registers "FakeGPU" (CPU memory and compute behind a GPU device whose supports_op
 * is the CPU's minus every op touching a RotorQuant type — what CUDA, Metal and Vulkan answer today), loads the tiny
 * synthetic Voxtral with every layer on it, and checks engine.cpp's guard. Its `raw` mode is the control: the same
 * context through llama.cpp alone aborts the process with the message the issue reports from CUDA.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticVoxtral, type VoxtralFixture } from '../fixtures/voxtral';
import { NATIVE_BUILD_DIR, nativeTestBinary } from './test-binaries';

const exe = nativeTestBinary('test-kv-guard', join(NATIVE_BUILD_DIR, 'bin'));
const ROTORQUANT = ['planar3', 'iso3', 'planar4', 'iso4'];
const UPSTREAM = ['f16', 'q8_0', 'q4_0'];

let dir: string;
let tiny: VoxtralFixture;

function run(mode: 'guard' | 'raw'): SpawnSyncReturns<string> {
  // GGML_NO_BACKTRACE: ggml_abort would otherwise attach gdb for a backtrace
  return spawnSync(exe, [tiny.modelPath, mode], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, GGML_NO_BACKTRACE: '1' },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-guard-'));
  tiny = await writeSyntheticVoxtral({ dir, size: 'tiny', seed: 4 });
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('KV cache guard on a backend without the RotorQuant kernels (test-kv-guard, tiny Voxtral)', () => {
  it('without the guard, llama.cpp aborts the process creating an iso3 context there (the issue, reproduced)', () => {
    expect(existsSync(exe), exe).toBe(true);
    const res = run('raw');
    expect(res.signal).toBe('SIGABRT');
    expect(res.stderr).toContain(
      'pre-allocated tensor (cache_k_l0 (view)) in a buffer (FakeGPU) that cannot run the operation (SET_ROWS)',
    );
    expect(res.stdout).not.toContain('RAW survived');
  });

  it('with the guard: RotorQuant caches are refused with KV_TYPE_UNSUPPORTED naming the device, op and type; upstream ones are created and decode', () => {
    const res = run('guard');
    console.log(res.stdout);
    expect(res.signal, res.stderr).toBeNull();
    expect(res.stdout).toContain('GUARD pass kv cache devices = FakeGPU');
    for (const t of ROTORQUANT) {
      expect(res.stdout).toContain(`GUARD pass query type=${t} device=CPU runs`);
      expect(res.stdout).toContain(`GUARD pass query type=${t} device=FakeGPU missing=SET_ROWS`);
      expect(res.stdout).toContain(
        `GUARD pass create type=${t} code=KV_TYPE_UNSUPPORTED message=the KV cache type ${t} cannot run on device FakeGPU: it has no SET_ROWS kernel for writing the K cache`,
      );
    }
    for (const t of UPSTREAM) {
      expect(res.stdout).toContain(`GUARD pass query type=${t} device=FakeGPU runs`);
      expect(res.stdout).toContain(`GUARD pass decode type=${t} rc=0`);
      expect(res.stdout).toContain(`GUARD pass create type=${t} code=none`);
    }
    expect(res.stdout).toContain('GUARD pass after refusals type=f16 decode rc=0');
    expect(res.stdout).not.toContain('GUARD FAIL');
    expect(res.stdout).toContain('GUARD result ok failed 0');
    expect(res.status).toBe(0);
  });
});
