/**
 * Memory budget before any model work: how many windows may run at once. A plan that does not fit ends the job
 * with OUT_OF_MEMORY; a plan that cannot be computed is a warning (the runtime still refuses a context it cannot
 * allocate).
 */
import { RotorError } from '@common/errors';
import type { EngineIdentity } from '../../checkpoints/store';

export interface MemoryPlanRequest {
  maxWindowSec: number;
  /** What the transcriber could run at once. */
  requestedParallel: number;
  engine: EngineIdentity;
}

export interface MemoryPlan {
  fits: boolean;
  /** Windows the budget allows at once (≥ 1 when it fits). */
  maxParallel: number;
  /** One sentence: why it fits / does not, for the user. */
  reason: string;
}

export type PlanMemory = (request: MemoryPlanRequest) => MemoryPlan | Promise<MemoryPlan>;

export async function decideParallel(
  planMemory: PlanMemory | undefined,
  request: MemoryPlanRequest,
  onWarning: (code: string, message: string) => void,
): Promise<{ maxParallel: number; reason?: string }> {
  const requested = Math.max(1, request.requestedParallel);
  if (!planMemory) return { maxParallel: requested };
  let plan: MemoryPlan;
  try {
    plan = await planMemory({ ...request, requestedParallel: requested });
  } catch (error) {
    onWarning(
      'OUT_OF_MEMORY',
      `The memory budget could not be checked: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { maxParallel: requested };
  }
  if (!plan.fits || plan.maxParallel < 1) {
    throw new RotorError('OUT_OF_MEMORY', `This configuration does not fit in memory: ${plan.reason}`, {
      hint: 'Choose a smaller model, a compressed KV cache or shorter windows.',
      detail: 'does_not_fit',
    });
  }
  return { maxParallel: Math.min(requested, plan.maxParallel), reason: plan.reason };
}
