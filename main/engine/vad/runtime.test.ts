import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import {
  chooseVadRuntime,
  nativeBindingPath,
  VAD_RUNTIME_ENV,
  vadRuntime,
  vadRuntimeSummary,
  wasmDir,
} from './runtime';

describe('chooseVadRuntime', () => {
  it('runs natively where onnxruntime-node has a binary, else on wasm', () => {
    expect(chooseVadRuntime(undefined, 'linux', 'x64', true).runtime).toBe('native');
    const mac = chooseVadRuntime(undefined, 'darwin', 'x64', false);
    expect(mac).toEqual({ runtime: 'wasm', reason: 'onnxruntime-node has no darwin-x64 binary' });
    expect(chooseVadRuntime('auto', 'darwin', 'x64', false).runtime).toBe('wasm');
  });

  it('follows ROTORSCRIBE_VAD_RUNTIME and refuses other values', () => {
    expect(chooseVadRuntime('wasm', 'linux', 'x64', true).runtime).toBe('wasm');
    expect(chooseVadRuntime(' WASM ', 'linux', 'x64', true).runtime).toBe('wasm');
    expect(chooseVadRuntime('native', 'darwin', 'x64', false).runtime).toBe('native');
    const error = (() => {
      try {
        return chooseVadRuntime('gpu', 'linux', 'x64', true);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RotorError);
    expect((error as RotorError).code).toBe('INVALID_ARGUMENT');
  });

  it("this machine's onnxruntime-node binary is where binding.js loads it from", () => {
    expect(nativeBindingPath('/p', 'darwin', 'x64')).toBe(
      '/p/bin/napi-v6/darwin/x64/onnxruntime_binding.node',
    );
    // the test machines are Linux x64 or arm64, both with a binary in onnxruntime-node 1.30
    expect(vadRuntime({}).runtime).toBe('native');
    expect(vadRuntime({ [VAD_RUNTIME_ENV]: 'wasm' }).runtime).toBe('wasm');
  });

  it('the summary for the runtime report never throws', () => {
    expect(vadRuntimeSummary({ [VAD_RUNTIME_ENV]: 'wasm' })).toEqual({
      runtime: 'wasm',
      reason: 'ROTORSCRIBE_VAD_RUNTIME=wasm',
    });
    const bad = vadRuntimeSummary({ [VAD_RUNTIME_ENV]: 'gpu' });
    expect(bad.runtime).toBeNull();
    expect(bad.reason).toContain('must be wasm, native or auto');
  });

  it("finds the wasm build in the macOS app's Resources/vad-wasm first, else in the package", () => {
    const resources = mkdtempSync(join(tmpdir(), 'vad-wasm-'));
    try {
      expect(wasmDir(resources)).toMatch(/onnxruntime-web[\\/]dist$/);
      mkdirSync(join(resources, 'vad-wasm'));
      writeFileSync(join(resources, 'vad-wasm', 'ort-wasm-simd-threaded.wasm'), '');
      expect(wasmDir(resources)).toBe(join(resources, 'vad-wasm'));
      expect(wasmDir(undefined)).toMatch(/onnxruntime-web[\\/]dist$/);
    } finally {
      rmSync(resources, { recursive: true, force: true });
    }
  });
});
