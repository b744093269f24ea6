/** Arithmetic on memory breakdowns shared by the advisor (main) and the settings panel (renderer). */
import type { MemoryBreakdown, PoolUsage } from './advisor-types';

export const BREAKDOWN_KEYS: readonly (keyof MemoryBreakdown)[] = [
  'weights',
  'mmproj',
  'kv',
  'computeDecoder',
  'computeEncoder',
  'overhead',
];

export function emptyBreakdown(): MemoryBreakdown {
  return { weights: 0, mmproj: 0, kv: 0, computeDecoder: 0, computeEncoder: 0, overhead: 0 };
}

export function breakdownTotal(b: MemoryBreakdown): number {
  return BREAKDOWN_KEYS.reduce((a, k) => a + b[k], 0);
}

/** All pools together; `withReclaimable` adds the repacked weights' mapped copy that llama.cpp's buffers count. */
export function sumPools(pools: readonly PoolUsage[], withReclaimable = false): MemoryBreakdown {
  const out = emptyBreakdown();
  for (const pool of pools) {
    for (const k of BREAKDOWN_KEYS) out[k] += pool.breakdown[k];
    if (withReclaimable) out.weights += pool.reclaimable;
  }
  return out;
}
