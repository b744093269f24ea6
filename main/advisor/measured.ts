/**
 * The runtime's measured allocation next to the advisor's prediction for the same configuration. llama.cpp's
 * buffers count repacked weights twice (file mapping + CPU_REPACK copy), so the prediction compared with them
 * includes the reclaimable copy too.
 */
import type { MeasuredAllocation, MemoryBreakdown, MemoryEstimate } from '@common/advisor-types';
import { sumPools } from '@common/memory-breakdown';

/** The part of main/engine/runtime's MemoryReport the comparison reads. */
export interface RuntimeMemory {
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
  mmprojWeightsBytes: number;
  /** clip's compute buffer, when the runtime reports it. */
  mmprojComputeBytes?: number;
}

export function predictedAllocation(estimate: MemoryEstimate): MemoryBreakdown {
  return sumPools(estimate.pools, true);
}

/** `encoderComputeBytes`: clip's compute buffer from llama.cpp's log, for runtimes that do not report it. */
export function measuredAllocation(
  estimate: MemoryEstimate,
  memory: RuntimeMemory,
  encoderComputeBytes = memory.mmprojComputeBytes,
): MeasuredAllocation {
  const reported: MeasuredAllocation['reported'] = ['weights', 'mmproj', 'kv', 'computeDecoder'];
  if (encoderComputeBytes !== undefined) reported.push('computeEncoder');
  return {
    config: estimate.config,
    nCtx: estimate.context.nCtx,
    predicted: predictedAllocation(estimate),
    measured: {
      weights: memory.weightsBytes,
      mmproj: memory.mmprojWeightsBytes,
      kv: memory.kvBytes,
      computeDecoder: memory.computeBytes,
      computeEncoder: encoderComputeBytes ?? 0,
      overhead: 0,
    },
    reported,
  };
}
