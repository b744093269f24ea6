/**
 * The advisor as a service: probe once, recommend, and evaluate overrides against the recommendation. Used by the
 * IPC handlers (advisor:getReport / advisor:evaluate), by `rotorscribe doctor`, and by the job runner's planMemory.
 */
import { basename } from 'node:path';
import type { KvCacheType } from '@common/kv-cache-types';
import type {
  AdvisorReport,
  EvaluateResult,
  HardwareInfo,
  RunConfig,
  RunOverrides,
  TokenRate,
  WeightsVariant,
} from '@common/advisor-types';
import { VOXTRAL_VARIANTS } from './catalog';
import { readModelDescription } from './model-info';
import { probeHardware, type ProbeDeps } from './probe';
import { advisorReport, evaluate, planMemory, recommend, type AdvisorInput } from './recommend';

export interface AdvisorDeps extends ProbeDeps {
  /** Local model files: their headers replace the catalog estimate of the matching variant. */
  modelPath?: string;
  mmprojPath?: string;
  /** Cache types the runtime was built with (RotorQuant types may be absent). */
  supportedKvTypes?: readonly KvCacheType[];
  tokenRate?: TokenRate;
  /** Probe result to use instead of probing (tests, or a probe already done). */
  hardware?: HardwareInfo;
}

/** Variant id of a file by its quantization name (Voxtral-Mini-3B-2507-Q4_K_M.gguf → Q4_K_M). */
export function variantIdFromFile(path: string): string | undefined {
  const name = basename(path).toUpperCase();
  return VOXTRAL_VARIANTS.map((v) => v.id).find((id) => name.includes(id));
}

async function variantsWithLocal(deps: AdvisorDeps): Promise<WeightsVariant[]> {
  const variants = [...VOXTRAL_VARIANTS];
  if (!deps.modelPath) return variants;
  const id = variantIdFromFile(deps.modelPath) ?? 'local';
  const model = await readModelDescription(id, deps.modelPath, deps.mmprojPath);
  if (!deps.mmprojPath) {
    // no encoder file given: keep the catalog's encoder so the estimate still covers audio
    const q = VOXTRAL_VARIANTS.find((v) => v.id === 'Q4_K_M')!.model;
    model.encoder = q.encoder;
    model.mmprojBytes = q.mmprojBytes;
  }
  const at = variants.findIndex((v) => v.id === id);
  const entry: WeightsVariant = {
    id,
    label: `${basename(deps.modelPath)} (local)`,
    qualityRank: at >= 0 ? variants[at]!.qualityRank : 3.5,
    model,
  };
  if (at >= 0) variants[at] = entry;
  else variants.push(entry);
  return variants;
}

export interface Advisor {
  input: AdvisorInput;
  report(): AdvisorReport;
  evaluate(overrides: RunOverrides): EvaluateResult;
  planMemory(config: RunConfig): { fits: boolean; maxParallel: number; reason: string };
}

export async function createAdvisor(deps: AdvisorDeps = {}): Promise<Advisor> {
  const [hardware, variants] = await Promise.all([
    deps.hardware ? Promise.resolve(deps.hardware) : probeHardware(deps),
    variantsWithLocal(deps),
  ]);
  const input: AdvisorInput = {
    hardware,
    variants,
    ...(deps.supportedKvTypes ? { supportedKvTypes: deps.supportedKvTypes } : {}),
    ...(deps.tokenRate ? { tokenRate: deps.tokenRate } : {}),
  };
  const recommendation = recommend(input);
  return {
    input,
    report: () => advisorReport(input, recommendation),
    evaluate: (overrides) => evaluate(input, recommendation.config, overrides),
    planMemory: (config) => planMemory(input, config),
  };
}
