/**
 * The CLI as a client of the engine host: what it asks the engine before a job (devices, cache types, memory the
 * engine already holds) and the advisor's plan made from those answers in this process, before anything is allocated.
 */
import type { KvCacheType } from '../../common/kv-cache-types';
import type { EngineHost } from '../engine/host/engine-host';
import type { RuntimeDevice } from '../engine/runtime/facts';
import type { EngineFacts } from '../advisor/job-config';

export interface HostFacts extends Pick<EngineFacts, 'devices' | 'supportedKvTypes' | 'engineHeldBytes'> {
  /** Why the runtime could not answer (addon not built): the plan then falls back to the CPU and every type. */
  unavailable?: string;
}

export async function hostFacts(host: EngineHost): Promise<HostFacts> {
  const [list, kv] = await Promise.all([
    host.request('listDevices', {}),
    host.request('supportedKvTypes', {}),
  ]);
  const out: HostFacts = { engineHeldBytes: list.engineHeldBytes };
  if (list.source === 'runtime') {
    out.devices = list.devices.map((d): RuntimeDevice => ({
      name: d.name,
      description: d.description,
      type: d.type,
      totalBytes: d.memoryBytes,
      freeBytes: d.freeBytes,
    }));
  } else {
    out.unavailable = list.unavailable.reason;
  }
  if (kv.source === 'runtime') out.supportedKvTypes = kv.types as KvCacheType[];
  return out;
}
