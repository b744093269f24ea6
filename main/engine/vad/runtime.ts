/**
 * Which ONNX runtime the Silero VAD runs on. onnxruntime-node is native and fast, but its package carries binaries
 * for some platform/arch pairs only (1.30: none for Intel Macs); where its binary is missing, onnxruntime-web's
 * WebAssembly build runs the same model in any Node, single-threaded (one 512-sample frame is too small to split).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as OrtNode from 'onnxruntime-node';
import { RotorError } from '@common/errors';
import { toAsarUnpacked } from '../audio/unpacked-path';

export type VadRuntime = 'native' | 'wasm';

/** The part of the onnxruntime API the VAD uses; both packages export it (onnxruntime-common). */
export type Ort = Pick<typeof OrtNode, 'InferenceSession' | 'Tensor'>;

export interface VadRuntimeChoice {
  runtime: VadRuntime;
  /** One line for people: why this runtime. */
  reason: string;
}

/** The variable that forces a runtime: `wasm`, `native`, or `auto` (the default). */
export const VAD_RUNTIME_ENV = 'ROTORSCRIBE_VAD_RUNTIME';

/** Where onnxruntime-node's binding.js loads its binary from (it requires it when the package is imported). */
export function nativeBindingPath(pkgDir: string, platform: string, arch: string): string {
  return join(pkgDir, 'bin', 'napi-v6', platform, arch, 'onnxruntime_binding.node');
}

/** Pure choice: the variable if set, else native where its binary exists. */
export function chooseVadRuntime(
  value: string | undefined,
  platform: string,
  arch: string,
  hasNativeBinary: boolean,
): VadRuntimeChoice {
  const forced = (value ?? '').trim().toLowerCase();
  if (forced === 'wasm') return { runtime: 'wasm', reason: `${VAD_RUNTIME_ENV}=wasm` };
  if (forced === 'native') return { runtime: 'native', reason: `${VAD_RUNTIME_ENV}=native` };
  if (forced !== '' && forced !== 'auto') {
    throw new RotorError('INVALID_ARGUMENT', `${VAD_RUNTIME_ENV} must be wasm, native or auto.`, {
      detail: `got '${value}'`,
    });
  }
  return hasNativeBinary
    ? { runtime: 'native', reason: `onnxruntime-node has a ${platform}-${arch} binary` }
    : { runtime: 'wasm', reason: `onnxruntime-node has no ${platform}-${arch} binary` };
}

const requireFromHere = createRequire(import.meta.url);

const exists = (path: string): boolean => existsSync(toAsarUnpacked(path)) || existsSync(path);

/** This process's choice (platform, architecture, the variable and the installed onnxruntime-node). */
export function vadRuntime(env: NodeJS.ProcessEnv = process.env): VadRuntimeChoice {
  let hasNative: boolean;
  try {
    // dist/index.js → the package folder; resolving only locates the file (nothing is loaded)
    const pkgDir = dirname(dirname(requireFromHere.resolve('onnxruntime-node')));
    hasNative = exists(nativeBindingPath(pkgDir, process.platform, process.arch));
  } catch {
    hasNative = false;
  }
  return chooseVadRuntime(env[VAD_RUNTIME_ENV], process.platform, process.arch, hasNative);
}

/** For the engine's runtime report (doctor): the choice, or why there is none (a bad variable), never a throw. */
export function vadRuntimeSummary(env: NodeJS.ProcessEnv = process.env): VadRuntimeSummary {
  try {
    return vadRuntime(env);
  } catch (error) {
    return { runtime: null, reason: error instanceof RotorError ? error.message : String(error) };
  }
}

export interface VadRuntimeSummary {
  runtime: VadRuntime | null;
  reason: string;
}

let web: Promise<Ort> | undefined;

const WASM_LOADER = 'ort-wasm-simd-threaded.mjs';
const WASM_BINARY = 'ort-wasm-simd-threaded.wasm';

/**
 * The folder holding onnxruntime-web's wasm loader and binary: the macOS app carries them as real files in
 * Resources/vad-wasm (electron-builder.yml mac.extraResources); elsewhere (development, tests) the package's own.
 */
export function wasmDir(resourcesPath: string | undefined = process.resourcesPath): string {
  const packed = resourcesPath ? join(resourcesPath, 'vad-wasm') : undefined;
  if (packed && existsSync(join(packed, WASM_BINARY))) return packed;
  // an exported subpath of the package; resolving only locates it
  return dirname(requireFromHere.resolve(`onnxruntime-web/${WASM_BINARY}`));
}

/** onnxruntime-web set up for Node: one thread, its wasm loader and binary read from real files. */
async function loadWeb(): Promise<Ort> {
  const ort = await import('onnxruntime-web');
  const dir = wasmDir();
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = { mjs: pathToFileURL(join(dir, WASM_LOADER)).href };
  ort.env.wasm.wasmBinary = await readFile(join(dir, WASM_BINARY));
  return ort;
}

/** Imports the chosen runtime (onnxruntime-node only here: importing it loads its binary). */
export async function loadOrt(runtime: VadRuntime): Promise<Ort> {
  try {
    if (runtime === 'native') return await import('onnxruntime-node');
    web ??= loadWeb();
    return await web;
  } catch (error) {
    if (runtime === 'wasm') web = undefined;
    throw new RotorError('INTERNAL', `The voice-activity runtime (${runtime}) could not be loaded.`, {
      hint:
        runtime === 'native'
          ? `Set ${VAD_RUNTIME_ENV}=wasm to use the WebAssembly runtime.`
          : 'Reinstall RotorScribe.',
      detail: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
}

/** Session options per runtime: the wasm backend is the only provider onnxruntime-web has in Node. */
export function sessionProviders(runtime: VadRuntime): string[] {
  return runtime === 'native' ? ['cpu'] : ['wasm'];
}
