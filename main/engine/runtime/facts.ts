/**
 * What the native runtime knows that a hardware probe cannot: the ggml devices with free/total memory and the KV
 * cache types this build has. Loads the addon, so only for processes that may (CLI, engine worker), never Electron
 * main. Lives in the engine so the worker can answer without reaching into the advisor (advisor → engine only).
 */
import { RotorError } from '@common/errors';
import { KV_CACHE_TYPES, type KvCacheType } from '@common/kv-cache-types';
import type { BackendSummary } from './backends';
import type { NativeDevice } from './native';

/** What the runtime's device list gives for one ggml backend device. */
export interface RuntimeDevice {
  name: string;
  description: string;
  /** ggml_backend_dev_type: cpu, gpu, igpu (integrated, shares host memory) or accel. */
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  totalBytes: number;
  freeBytes: number;
  /**
   * Cache types (K = V) this device has kernels for; absent where the runtime did not say. A cache on a device without
   * them would abort the engine while the context is created, so the advisor offers only these.
   */
  kvTypes?: KvCacheType[];
}

export type RuntimeFacts =
  | {
      ok: true;
      devices: RuntimeDevice[];
      supportedKvTypes: KvCacheType[];
      /** The CPU variant and GPU backends in use and why (absent with an addon that cannot tell). */
      backend?: BackendSummary;
    }
  | { ok: false; error: RotorError };

export function toRuntimeDevice(d: NativeDevice): RuntimeDevice {
  return {
    name: d.name,
    description: d.description,
    type: d.type === 'other' ? 'accel' : d.type,
    totalBytes: d.memoryTotal,
    freeBytes: d.memoryFree,
  };
}

/**
 * Devices and the cache types this build supports (in the order of the common type table; ranking them is the
 * advisor's business), or why the addon could not be asked (not built, wrong ABI, ...).
 */
export async function loadRuntimeFacts(): Promise<RuntimeFacts> {
  try {
    const runtime = await import('./voxtral');
    const kv = await import('./kv-support');
    const devices = runtime
      .listDevices()
      .map((d) => ({ ...toRuntimeDevice(d), kvTypes: kv.kvTypesOn(d.name) }));
    const supportedKvTypes = KV_CACHE_TYPES.map((t) => t.name).filter((t) => kv.kvTypeSupported(t));
    const { loadAddon } = await import('./native');
    const { summarizeBackends } = await import('./backends');
    const { vadRuntimeSummary } = await import('../vad/runtime');
    const report = loadAddon().backends?.();
    const backend = report ? { ...summarizeBackends(report), vad: vadRuntimeSummary() } : undefined;
    return { ok: true, devices, supportedKvTypes, ...(backend ? { backend } : {}) };
  } catch (err) {
    const error =
      err instanceof RotorError
        ? err
        : new RotorError('ENGINE_CRASHED', 'The native engine could not be loaded.', {
            detail: err instanceof Error ? err.message : String(err),
          });
    return { ok: false, error };
  }
}
