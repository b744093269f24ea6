/**
 * A queued file's engine plan, made in main before the engine allocates anything: the engine reports its devices,
 * cache types and the memory it holds for a resident model; the advisor (shared with the CLI and `doctor`) turns
 * them into cache types × window length × parallel windows; the settings panel's applied run config overrides what
 * maps onto a job.
 */
import type { HardwareInfo, RunOverrides } from '@common/advisor-types';
import type { Settings } from '@common/settings';
import {
  createJobAdvisor,
  JOB_DEFAULT_WINDOW_SEC,
  JOB_MAX_PARALLEL,
  JOB_MAX_WINDOW_SEC,
  planJob,
  type JobPlanOverrides,
  type JobPlanValues,
} from '../../advisor/job-config';
import type { Advisor } from '../../advisor/report';
import { hostFacts } from '../../advisor/engine-facts';
import type { EngineHost } from '../../engine/host/engine-host';
import type { JobEngine } from '../../engine/host/protocol';

export interface PlannedJob {
  plan: JobPlanValues;
  /** The advisor's verdict, or why there was nothing to plan (echo engine). */
  reason: string;
  /** Parallel windows lowered to what fits: a warning for the job. */
  lowered?: { asked: number; fits: number };
  /** The advisor the plan came from (runtime engine): its estimate is compared with what the engine measures. */
  advisor?: Advisor;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/**
 * The settings panel's run config in job terms: cache types, window seconds and parallel windows map one to one (a
 * window longer than 30 s runs as several encoder chunks of one sequence; at most JOB_MAX_WINDOW_SEC); GPU layers,
 * flash attention and threads go to the engine as they are. weights / tokenRate have no job-plan counterpart (the
 * model file and the runtime decide them).
 */
export function overridesFromRunConfig(
  run: RunOverrides,
  recommended: { windowSeconds: number; parallelWindows: number } | undefined,
): JobPlanOverrides {
  const out: JobPlanOverrides = {};
  if (run.kvTypeK) out.kvK = run.kvTypeK;
  if (run.kvTypeV) out.kvV = run.kvTypeV;
  if (run.gpuLayers !== undefined) out.gpuLayers = run.gpuLayers;
  if (run.flashAttention !== undefined) out.flashAttention = run.flashAttention;
  if (run.threads !== undefined) out.threads = run.threads;
  if (run.windowSeconds !== undefined || run.parallelWindows !== undefined) {
    const windowSeconds = run.windowSeconds ?? recommended?.windowSeconds ?? JOB_DEFAULT_WINDOW_SEC;
    const parallelWindows = run.parallelWindows ?? recommended?.parallelWindows ?? 1;
    out.maxWindowSec = clamp(windowSeconds, 5, JOB_MAX_WINDOW_SEC);
    out.parallel = clamp(parallelWindows, 1, JOB_MAX_PARALLEL);
  }
  return out;
}

/** Without a model there is no memory to plan: the echo engine runs the overrides or a small default. */
function echoPlan(overrides: JobPlanOverrides): PlannedJob {
  const kvK = overrides.kvK ?? 'f16';
  return {
    plan: {
      kvK,
      kvV: overrides.kvV ?? kvK,
      maxWindowSec: overrides.maxWindowSec ?? JOB_DEFAULT_WINDOW_SEC,
      parallel: overrides.parallel ?? 2,
    },
    reason: 'echo engine: no model memory to plan',
  };
}

/** Throws OUT_OF_MEMORY (before the engine loads anything) when not even one window fits. */
export async function planFor(
  engine: JobEngine,
  host: EngineHost,
  settings: Pick<Settings, 'runConfig'>,
  hardware?: HardwareInfo,
): Promise<PlannedJob> {
  if (engine.kind === 'echo') return echoPlan(overridesFromRunConfig(settings.runConfig, undefined));
  const facts = await hostFacts(host);
  const advisor = await createJobAdvisor({
    ...facts,
    modelPath: engine.modelPath,
    mmprojPath: engine.mmprojPath,
    ...(hardware ? { hardware } : {}),
  });
  const rec = advisor.report().recommendation.config;
  const r = planJob(advisor, overridesFromRunConfig(settings.runConfig, rec), engine.modelPath);
  return { plan: r.plan, reason: r.reason, advisor, ...(r.lowered ? { lowered: r.lowered } : {}) };
}
