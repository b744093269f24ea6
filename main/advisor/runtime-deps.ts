/**
 * The runtime's facts (devices, cache types) as advisor inputs. The loader itself lives in the engine
 * (main/engine/runtime/facts.ts): the advisor may depend on the engine, never the other way round.
 */
import { loadRuntimeFacts } from '../engine/runtime/facts';
import type { AdvisorDeps } from './report';

export async function runtimeAdvisorDeps(): Promise<Pick<AdvisorDeps, 'listDevices' | 'supportedKvTypes'>> {
  const facts = await loadRuntimeFacts();
  // addon not built or not loadable here: the probe falls back to CPU only and every type stays listed
  if (!facts.ok) return {};
  return { listDevices: async () => facts.devices, supportedKvTypes: facts.supportedKvTypes };
}
