/**
 * What the native runtime knows that the probe cannot: the ggml devices with free/total memory and the KV cache
 * types this build has. Loads the addon, so only for processes that may (CLI, engine worker), never Electron main.
 */
import { RotorError } from '../../common/errors';
import type { KvCacheType } from '../../common/kv-cache-types';
import type { NativeDevice } from '../engine/runtime/native';
import type { RuntimeDevice } from './probe-parse';
import type { AdvisorDeps } from './report';
import { KV_QUALITY_ORDER } from './recommend';

export type RuntimeFacts =
  { ok: true; devices: RuntimeDevice[]; supportedKvTypes: KvCacheType[] } | { ok: false; error: RotorError };

export function toRuntimeDevice(d: NativeDevice): RuntimeDevice {
  return {
    name: d.name,
    description: d.description,
    type: d.type === 'other' ? 'accel' : d.type,
    totalBytes: d.memoryTotal,
    freeBytes: d.memoryFree,
  };
}

/** Devices and cache types from the addon, or why the addon could not be asked (not built, wrong ABI, ...). */
export async function loadRuntimeFacts(): Promise<RuntimeFacts> {
  try {
    const runtime = await import('../engine/runtime/voxtral');
    const devices = runtime.listDevices().map(toRuntimeDevice);
    const supportedKvTypes: KvCacheType[] = KV_QUALITY_ORDER.filter((t) => runtime.kvTypeSupported(t));
    return { ok: true, devices, supportedKvTypes };
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

export async function runtimeAdvisorDeps(): Promise<Pick<AdvisorDeps, 'listDevices' | 'supportedKvTypes'>> {
  const facts = await loadRuntimeFacts();
  // addon not built or not loadable here: the probe falls back to CPU only and every type stays listed
  if (!facts.ok) return {};
  return { listDevices: async () => facts.devices, supportedKvTypes: facts.supportedKvTypes };
}
