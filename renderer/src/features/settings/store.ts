import { create } from 'zustand';
import type { AdvisorReport, EvaluateResult, RunConfig, RunOverrides } from '@common/advisor-types';
import type { ModelsState } from '@common/models-schema';
import { describeError, invoke } from '../../ipc';
import { modelInUse, type ModelInUse } from './view-model';

type Phase = 'idle' | 'loading' | 'ready' | 'error';

interface SettingsState {
  phase: Phase;
  report: AdvisorReport | null;
  /** The user's edits on top of the recommendation (not yet applied). */
  overrides: RunOverrides;
  /** Consequences of `overrides`, computed by main before anything is committed. */
  evaluation: EvaluateResult | null;
  evaluating: boolean;
  /** The overrides saved in the user's settings (what jobs use); {} = follow the recommendation. */
  applied: RunOverrides | null;
  saving: boolean;
  /** settings.autoUpdate: main looks for updates on GitHub only while this is true; null until loaded. */
  autoUpdate: boolean | null;
  /** The model jobs run on now (not the advisor's pick); null when none is set up or it is not known yet. */
  inUse: ModelInUse | null;
  error: ReturnType<typeof describeError> | null;
  load: () => Promise<void>;
  /** The models changed (switched, imported, downloaded): the model in use may have. */
  setModels: (models: ModelsState) => void;
  setOverride: <K extends keyof RunConfig>(key: K, value: RunConfig[K]) => Promise<void>;
  resetToRecommended: () => Promise<void>;
  apply: () => Promise<void>;
  setAutoUpdate: (on: boolean) => Promise<void>;
}

const initial = {
  phase: 'idle' as Phase,
  report: null,
  overrides: {},
  evaluation: null,
  evaluating: false,
  applied: null,
  saving: false,
  autoUpdate: null,
  inUse: null,
  error: null,
};

export function sameOverrides(a: RunOverrides | null, b: RunOverrides): boolean {
  if (!a) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof RunOverrides)[]);
  return [...keys].every((k) => a[k] === b[k]);
}

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
        const [report, settings, models] = await Promise.all([
          invoke('advisor:getReport'),
          invoke('settings:get'),
          // without the models service the panel still shows the advisor; it just cannot say what is in use
          invoke('models:get').catch(() => null),
        ]);
        const firstLoad = get().applied === null;
        const inUse = modelInUse(models, report.variants);
        // The weights shown are the model's jobs run on, not the advisor's pick (that one is named beside it).
        const applied =
          settings.runConfig.weights === undefined && inUse?.weights
            ? { ...settings.runConfig, weights: inUse.weights }
            : settings.runConfig;
        set({ report, phase: 'ready', applied, inUse, autoUpdate: settings.autoUpdate });
        // the first time, start from what the user applied before; later re-checks keep the edits in progress
        await evaluate(firstLoad ? applied : get().overrides);
      } catch (error) {
        set({ phase: 'error', error: describeError(error) });
      }
    },
    setModels: (models) => {
      const { report, inUse: before, applied, overrides } = get();
      if (!report) return;
      const inUse = modelInUse(models, report.variants);
      set({ inUse });
      const weights = inUse?.weights;
      if (!weights || weights === before?.weights) return;
      // Another model is in use now: the field follows it. Weights left from the previous model would read as a
      // what-if for a model nobody chose here; the other edits in progress stay.
      if (applied && (applied.weights === undefined || applied.weights === before?.weights)) {
        set({ applied: { ...applied, weights } });
      }
      void evaluate({ ...overrides, weights });
    },
    setOverride: (key, value) => evaluate({ ...get().overrides, [key]: value }),
    resetToRecommended: () => evaluate({}),
    apply: async () => {
      const { evaluation, overrides } = get();
      if (!evaluation?.estimate.fits) return;
      set({ saving: true, error: null });
      try {
        const saved = await invoke('settings:set', { runConfig: overrides });
        set({ applied: saved.runConfig, saving: false });
      } catch (error) {
        set({ error: describeError(error), saving: false });
      }
    },
    setAutoUpdate: async (on) => {
      set({ error: null });
      try {
        const saved = await invoke('settings:set', { autoUpdate: on });
        set({ autoUpdate: saved.autoUpdate });
      } catch (error) {
        set({ error: describeError(error) });
      }
    },
  };
});

export const resetSettingsStore = (): void => useSettingsStore.setState(initial);
