/**
 * What the native runtime knows that the probe cannot: the ggml devices with free/total memory and the KV cache
 * types this build has. Loads the addon, so only for processes that may (CLI, engine worker), never Electron main.
 */
import type { KvCacheType } from '../../common/kv-cache-types';
import type { AdvisorDeps } from './report';
import { KV_QUALITY_ORDER } from './recommend';

export async function runtimeAdvisorDeps(): Promise<Pick<AdvisorDeps, 'listDevices' | 'supportedKvTypes'>> {
  try {
    const runtime = await import('../engine/runtime/voxtral');
    const devices = runtime.listDevices();
    const supportedKvTypes: KvCacheType[] = KV_QUALITY_ORDER.filter((t) => runtime.kvTypeSupported(t));
    return {
      listDevices: async () =>
        devices.map((d) => ({
          name: d.name,
          description: d.description,
          type: d.type === 'other' ? 'accel' : d.type,
          totalBytes: d.memoryTotal,
          freeBytes: d.memoryFree,
        })),
      supportedKvTypes,
    };
  } catch {
    // addon not built or not loadable here: the probe falls back to CPU only and every type stays listed
    return {};
  }
}
