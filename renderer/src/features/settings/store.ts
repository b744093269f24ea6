import { create } from 'zustand';
import type {
  AdvisorReport,
  EvaluateResult,
  RunConfig,
  RunOverrides,
} from '../../../../common/advisor-types';
import { describeError, invoke } from '../../ipc';

type Phase = 'idle' | 'loading' | 'ready' | 'error';

interface SettingsState {
  phase: Phase;
  report: AdvisorReport | null;
  /** The user's edits on top of the recommendation (not yet applied). */
  overrides: RunOverrides;
  /** Consequences of `overrides`, computed by main before anything is committed. */
  evaluation: EvaluateResult | null;
  evaluating: boolean;
  /** The configuration the user applied (what jobs will use). */
  applied: RunConfig | null;
  error: ReturnType<typeof describeError> | null;
  load: () => Promise<void>;
  setOverride: <K extends keyof RunConfig>(key: K, value: RunConfig[K]) => Promise<void>;
  resetToRecommended: () => Promise<void>;
  apply: () => void;
}

const initial = {
  phase: 'idle' as Phase,
  report: null,
  overrides: {},
  evaluation: null,
  evaluating: false,
  applied: null,
  error: null,
};

/** Hardware report, recommendation and live what-if evaluation for the settings panel. */
export const useSettingsStore = create<SettingsState>()((set, get) => {
  let requestId = 0;

  const evaluate = async (overrides: RunOverrides): Promise<void> => {
    const id = ++requestId;
    set({ overrides, evaluating: true, error: null });
    try {
      const evaluation = await invoke('advisor:evaluate', { overrides });
      // answers can arrive out of order when the user types fast: keep only the latest
      if (id === requestId) set({ evaluation, evaluating: false });
    } catch (error) {
      if (id === requestId) set({ error: describeError(error), evaluating: false });
    }
  };

  return {
    ...initial,
    load: async () => {
      set({ phase: 'loading', error: null });
      try {
        const report = await invoke('advisor:getReport');
        set({
          report,
          phase: 'ready',
          applied: get().applied ?? (report.recommendation.ok ? report.recommendation.config : null),
        });
        await evaluate(get().overrides);
      } catch (error) {
        set({ phase: 'error', error: describeError(error) });
      }
    },
    setOverride: (key, value) => evaluate({ ...get().overrides, [key]: value }),
    resetToRecommended: () => evaluate({}),
    apply: () => {
      const evaluation = get().evaluation;
      if (evaluation?.estimate.fits) set({ applied: evaluation.estimate.config });
    },
  };
});

export const resetSettingsStore = (): void => useSettingsStore.setState(initial);
