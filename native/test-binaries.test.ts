import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendDlBuild, directCpuTestsUnavailable, nativeTestBinary } from './test-binaries';

describe('native test programs per platform', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-native-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Windows programs end in .exe, others have no extension', () => {
    expect(nativeTestBinary('test-kv-seq', '/b', 'win32')).toBe(join('/b', 'test-kv-seq.exe'));
    expect(nativeTestBinary('test-kv-seq', '/b', 'darwin')).toBe(join('/b', 'test-kv-seq'));
  });

  it('the direct-CPU tests are required on Linux and in a static build, skipped with a reason on macOS/Windows', () => {
    expect(directCpuTestsUnavailable('linux', {}, true)).toBeUndefined();
    expect(directCpuTestsUnavailable('darwin', {}, false)).toBeUndefined();
    expect(directCpuTestsUnavailable('win32', { ROTORSCRIBE_RQ_TEST_DIR: '/x' }, true)).toBeUndefined();
    expect(directCpuTestsUnavailable('darwin', {}, true)).toMatch(/Mach-O bundle/);
    expect(directCpuTestsUnavailable('win32', {}, true)).toMatch(/DLL opened by path/);
  });

  it('reads the build layout from the CMake cache (run-time backends unless configured off)', () => {
    const cache = join(dir, 'CMakeCache.txt');
    expect(backendDlBuild(cache)).toBe(true);
    writeFileSync(cache, 'X:BOOL=ON\nROTORSCRIBE_BACKEND_DL:BOOL=OFF\n');
    expect(backendDlBuild(cache)).toBe(false);
    writeFileSync(cache, 'ROTORSCRIBE_BACKEND_DL:BOOL=ON\n');
    expect(backendDlBuild(cache)).toBe(true);
  });
});
