/**
 * The job runner's `planMemory` (main/engine/job/runner.ts PlanMemory) backed by the advisor: the engine's model
 * files and cache types, the job's window length and the parallel windows the transcriber could run.
 */
import { isKvCacheType } from '@common/kv-cache-types';
import { RotorError } from '@common/errors';
import type { RunConfig } from '@common/advisor-types';
import { createAdvisor, variantIdFromFile, type Advisor, type AdvisorDeps } from './report';

export interface JobPlanRequest {
  maxWindowSec: number;
  requestedParallel: number;
  engine: { model?: string; mmproj?: string; kvK?: string; kvV?: string };
}

export function createJobPlanMemory(deps: AdvisorDeps = {}) {
  const advisors = new Map<string, Promise<Advisor>>();
  return async (request: JobPlanRequest): Promise<{ fits: boolean; maxParallel: number; reason: string }> => {
    const { model, mmproj, kvK = 'f16', kvV = kvK } = request.engine;
    if (!isKvCacheType(kvK) || !isKvCacheType(kvV)) {
      throw new RotorError('KV_TYPE_UNSUPPORTED', `Unknown KV cache type ${kvK}/${kvV}.`);
    }
    const key = `${model ?? ''}\n${mmproj ?? ''}`;
    let pending = advisors.get(key);
    if (!pending) {
      pending = createAdvisor({
        ...deps,
        ...(model ? { modelPath: model } : {}),
        ...(mmproj ? { mmprojPath: mmproj } : {}),
      });
      advisors.set(key, pending);
    }
    const advisor = await pending;
    const recommended = advisor.report().recommendation.config;
    const config: RunConfig = {
      ...recommended,
      weights: model ? (variantIdFromFile(model) ?? 'local') : recommended.weights,
      kvTypeK: kvK,
      kvTypeV: kvV,
      windowSeconds: Math.max(1, Math.ceil(request.maxWindowSec)),
      parallelWindows: Math.max(1, request.requestedParallel),
    };
    const plan = advisor.planMemory(config);
    return { ...plan, maxParallel: Math.min(plan.maxParallel, Math.max(1, request.requestedParallel)) };
  };
}
