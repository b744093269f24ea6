/**
 * Worker methods answered by the native runtime: its devices and the KV cache types it was built with. If the addon
 * cannot be loaded the worker still answers (CPU from os data, or no types) and says why, instead of crashing.
 */
import os from 'node:os';
import type { RotorError } from '@common/errors';
import { loadRuntimeFacts, type RuntimeDevice, type RuntimeFacts } from '../runtime/facts';
import { emptyParamsSchema, parserOf } from './method-params';
import type { RuntimeUnavailable, WorkerDevice, WorkerDeviceList, WorkerKvTypes } from './protocol';
import type { MethodTable } from './worker-runtime';

const parseEmpty = parserOf(emptyParamsSchema);

export function toWorkerDevice(d: RuntimeDevice): WorkerDevice {
  const onHost = d.type === 'cpu' || d.type === 'accel';
  return {
    id: d.name.toLowerCase(),
    kind: onHost ? 'cpu' : 'gpu',
    name: d.name,
    description: d.description,
    type: d.type,
    memoryBytes: Math.max(0, Math.round(d.totalBytes)),
    freeBytes: Math.max(0, Math.round(d.freeBytes)),
    threads: d.type === 'cpu' ? os.availableParallelism() : 0,
    ...(d.kvTypes ? { kvTypes: d.kvTypes } : {}),
  };
}

/** What Node knows about the CPU: the answer when the runtime cannot give one. */
export function cpuFromOs(): WorkerDevice {
  const model = (os.cpus()[0]?.model ?? '').trim() || 'CPU';
  return {
    id: 'cpu',
    kind: 'cpu',
    name: model,
    description: model,
    type: 'cpu',
    memoryBytes: os.totalmem(),
    freeBytes: os.freemem(),
    threads: os.availableParallelism(),
  };
}

function unavailable(error: RotorError): RuntimeUnavailable {
  const out: RuntimeUnavailable = { code: error.code, reason: error.message };
  if (error.hint) out.hint = error.hint;
  return out;
}

export function deviceListFrom(facts: RuntimeFacts): WorkerDeviceList {
  if (!facts.ok) return { source: 'os', devices: [cpuFromOs()], unavailable: unavailable(facts.error) };
  return {
    source: 'runtime',
    devices: facts.devices.map(toWorkerDevice),
    ...(facts.backend ? { backend: facts.backend } : {}),
  };
}

export function kvTypesFrom(facts: RuntimeFacts): WorkerKvTypes {
  if (!facts.ok) return { source: 'none', unavailable: unavailable(facts.error) };
  return { source: 'runtime', types: facts.supportedKvTypes };
}

/**
 * `engineHeldBytes`: what the resident model holds (see EngineMethods.listDevices).
 * `load` is asked on every call: free memory moves, and the addon loads once then stays cached by the runtime. */
export function runtimeMethods(
  load: () => Promise<RuntimeFacts> = loadRuntimeFacts,
  engineHeldBytes: () => number = () => 0,
): MethodTable {
  return {
    listDevices: {
      parse: parseEmpty,
      run: async () => ({ ...deviceListFrom(await load()), engineHeldBytes: engineHeldBytes() }),
    },
    supportedKvTypes: { parse: parseEmpty, run: async () => kvTypesFrom(await load()) },
  };
}
