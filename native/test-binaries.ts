/**
 * Where the native build puts its C++ test programs (native/build/bin, or ROTORSCRIBE_RQ_TEST_DIR), their file names
 * on this platform, and which of them cannot exist here: the tests that call the CPU backend's functions directly
 * (test-rotorquant, test-quantize-fns) link one CPU variant's module, which only an ELF module allows. On macOS the
 * module is a Mach-O bundle and on Windows a DLL opened by path (no import library): no executable can link either,
 * so native/CMakeLists.txt builds those two on Linux only (or in a ROTORSCRIBE_BACKEND_DL=0 build, where the CPU
 * code is an ordinary library). test-backend-ops, test-kv-seq and test-kv-guard go through the backend registry and
 * are built everywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const NATIVE_BUILD_DIR = resolve(__dirname, 'build');

export function nativeBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['ROTORSCRIBE_RQ_TEST_DIR'] ?? join(NATIVE_BUILD_DIR, 'bin');
}

/** A C++ test program's path: `.exe` on Windows. */
export function nativeTestBinary(
  name: string,
  dir: string = nativeBinDir(),
  platform: NodeJS.Platform = process.platform,
): string {
  return join(dir, platform === 'win32' ? `${name}.exe` : name);
}

/** Whether the build tree was configured with the CPU backend as run-time modules (CMakeCache; the default is on). */
export function backendDlBuild(cacheFile: string = join(NATIVE_BUILD_DIR, 'CMakeCache.txt')): boolean {
  if (!existsSync(cacheFile)) return true;
  return !/^ROTORSCRIBE_BACKEND_DL:BOOL=(OFF|0|FALSE|NO)$/im.test(readFileSync(cacheFile, 'utf8'));
}

/**
 * Why test-rotorquant and test-quantize-fns cannot exist in this build, or undefined where they must (Linux, a
 * ROTORSCRIBE_BACKEND_DL=0 build, or binaries given through ROTORSCRIBE_RQ_TEST_DIR): then a missing one is a failure.
 */
export function directCpuTestsUnavailable(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  backendDl: boolean = backendDlBuild(),
): string | undefined {
  if (env['ROTORSCRIBE_RQ_TEST_DIR'] || platform === 'linux' || !backendDl) return undefined;
  const module =
    platform === 'darwin' ? 'a Mach-O bundle' : platform === 'win32' ? 'a DLL opened by path' : 'a module';
  return (
    `not built on ${platform}: they link the CPU backend's functions, and the CPU backend is ${module} ` +
    'loaded at run time, which no executable can link (native/CMakeLists.txt builds them on Linux and in ' +
    'ROTORSCRIBE_BACKEND_DL=0 builds)'
  );
}
