/**
 * The advisor behind IPC: probes once per `maxAgeMs` (free memory moves), evaluates overrides against the current
 * recommendation, and carries the last measured allocation the engine reported.
 */
import type {
  AdvisorReport,
  EvaluateResult,
  MeasuredAllocation,
  RunConfig,
  RunOverrides,
} from '@common/advisor-types';
import type { KvCacheType } from '@common/kv-cache-types';
import { createAdvisor, type Advisor, type AdvisorDeps } from './report';

export interface AdvisorService {
  getReport(): Promise<AdvisorReport>;
  evaluate(overrides: RunOverrides): Promise<EvaluateResult>;
  planMemory(config: RunConfig): Promise<{ fits: boolean; maxParallel: number; reason: string }>;
  /** Records what the runtime allocated for a loaded configuration (shown next to the prediction). */
  setMeasured(measured: MeasuredAllocation | undefined): void;
}

export interface AdvisorServiceDeps extends Omit<AdvisorDeps, 'supportedKvTypes'> {
  /**
   * Cache types the runtime has; a function when they must be asked for (the engine worker). Rejecting or giving
   * undefined leaves every type listed, as when the runtime is not loaded.
   */
  supportedKvTypes?: readonly KvCacheType[] | (() => Promise<readonly KvCacheType[] | undefined>);
  maxAgeMs?: number;
  now?: () => number;
}

async function createFrom(deps: AdvisorServiceDeps): Promise<Advisor> {
  const { supportedKvTypes: kv, ...rest } = deps;
  const types = typeof kv === 'function' ? await kv().catch(() => undefined) : kv;
  return createAdvisor(types ? { ...rest, supportedKvTypes: types } : rest);
}

export function createAdvisorService(deps: AdvisorServiceDeps = {}): AdvisorService {
  const maxAge = deps.maxAgeMs ?? 30_000;
  const now = deps.now ?? Date.now;
  let current: { at: number; advisor: Promise<Advisor> } | undefined;
  let measured: MeasuredAllocation | undefined;

  const advisor = (): Promise<Advisor> => {
    if (!current || now() - current.at > maxAge) {
      const pending = createFrom(deps);
      // a failed probe must not stick: the next call tries again
      pending.catch(() => {
        if (current?.advisor === pending) current = undefined;
      });
      current = { at: now(), advisor: pending };
    }
    return current.advisor;
  };

  return {
    async getReport() {
      const report = (await advisor()).report();
      return measured ? { ...report, measured } : report;
    },
    async evaluate(overrides) {
      return (await advisor()).evaluate(overrides);
    },
    async planMemory(config) {
      return (await advisor()).planMemory(config);
    },
    setMeasured(value) {
      measured = value;
    },
  };
}
