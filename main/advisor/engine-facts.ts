/**
 * What every client of the engine host (CLI, Electron main) asks the engine before planning: its devices, cache types
 * and the memory it already holds. The advisor plans from these answers in the client's process, before the engine
 * allocates anything; Electron main and the CLI never load the native addon themselves.
 */
import type { EngineBackend } from '@common/advisor-types';
import { RotorError } from '@common/errors';
import type { KvCacheType } from '@common/kv-cache-types';
import type { EngineHost } from '../engine/host/engine-host';
import type { WorkerDevice } from '../engine/host/protocol';
import type { RuntimeDevice } from '../engine/runtime/facts';
import type { EngineFacts } from './job-config';

function runtimeDevice(d: WorkerDevice): RuntimeDevice {
  return {
    name: d.name,
    description: d.description,
    type: d.type,
    totalBytes: d.memoryBytes,
    freeBytes: d.freeBytes,
    ...(d.kvTypes ? { kvTypes: d.kvTypes } : {}),
  };
}

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
    out.devices = list.devices.map(runtimeDevice);
  } else {
    out.unavailable = list.unavailable.reason;
  }
  if (kv.source === 'runtime') out.supportedKvTypes = kv.types as KvCacheType[];
  return out;
}

/**
 * The settings panel's advisor, fed by the engine worker. When the worker could not load the addon, listDevices
 * rejects so the report says the devices are assumed, and every cache type stays.
 */
export function engineAdvisorDeps(engine: Pick<EngineHost, 'request'>): {
  listDevices: () => Promise<RuntimeDevice[]>;
  engineBackend: () => Promise<EngineBackend | undefined>;
  supportedKvTypes: () => Promise<readonly KvCacheType[] | undefined>;
} {
  // the backend summary rides on listDevices' answer; the probe asks for it once that answer is in
  let backend: EngineBackend | undefined;
  return {
    listDevices: async () => {
      const list = await engine.request('listDevices', {});
      if (list.source !== 'runtime') {
        backend = undefined;
        const u = list.unavailable;
        throw new RotorError(u.code, u.reason, u.hint ? { hint: u.hint } : {});
      }
      const b = list.backend;
      backend = b
        ? {
            cpuVariant: b.cpuVariant,
            cpuIsa: b.cpuIsa,
            cpuReason: b.cpuReason,
            gpu: b.gpu,
            gpuNotice: b.gpuNotice,
          }
        : undefined;
      return list.devices.map(runtimeDevice);
    },
    engineBackend: async () => backend,
    supportedKvTypes: async () => {
      const kv = await engine.request('supportedKvTypes', {});
      return kv.source === 'runtime' ? kv.types : undefined;
    },
  };
}
