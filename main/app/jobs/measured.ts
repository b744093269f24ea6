/**
 * After a job on the real runtime: what the engine allocated for the job's context next to what the advisor
 * predicted for the same configuration and context size — the settings panel's measured-vs-predicted table.
 */
import type { MeasuredAllocation } from '@common/advisor-types';
import { variantIdFromFile, type Advisor } from '../../advisor/report';
import { estimateMemory } from '../../advisor/memory-model';
import { measuredAllocation } from '../../advisor/measured';
import type { JobOutcome, JobParams } from '../../engine/host/protocol';

export function measuredFromOutcome(
  advisor: Advisor,
  params: Pick<JobParams, 'engine' | 'plan'>,
  outcome: Pick<JobOutcome, 'memory'>,
): MeasuredAllocation | null {
  const memory = outcome.memory;
  if (!memory || params.engine.kind !== 'runtime') return null;
  const weights = variantIdFromFile(params.engine.modelPath) ?? 'local';
  const { estimate } = advisor.evaluate({
    weights,
    kvTypeK: params.plan.kvK,
    kvTypeV: params.plan.kvV,
    windowSeconds: Math.max(1, Math.ceil(params.plan.maxWindowSec)),
    parallelWindows: params.plan.parallel,
    ...(params.plan.gpuLayers !== undefined ? { gpuLayers: params.plan.gpuLayers } : {}),
    ...(params.plan.flashAttention !== undefined ? { flashAttention: params.plan.flashAttention } : {}),
  });
  const variant = advisor.input.variants.find((v) => v.id === estimate.config.weights);
  if (!variant) return null;
  // The same cell count the runtime made, so the comparison is buffer for buffer.
  const sameContext = estimateMemory(variant.model, estimate.config, advisor.input.hardware, {
    nCtx: memory.nCtx,
  });
  return measuredAllocation(sameContext, memory);
}
