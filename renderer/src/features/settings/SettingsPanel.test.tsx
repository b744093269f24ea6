import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdvisorReport, HardwareInfo, RunOverrides } from '@common/advisor-types';
import type { RendererApi } from '@common/ipc-contract';
import type { ModelsState } from '@common/models-schema';
import { formatBytes } from '@common/format-bytes';
import { KV_PAIR_LADDER, KV_QUALITY_SOURCE, measuredKvQuality } from '@common/kv-quality';
// the advisor's pure arithmetic (no Node imports) stands in for main, so the panel sees real figures
import { VOXTRAL_VARIANTS } from '../../../../main/advisor/catalog';
import { advisorReport, evaluate, recommend, type AdvisorInput } from '../../../../main/advisor/recommend';
import { PROFILES } from '../../../../main/advisor/test-profiles';
import { SettingsPanel } from './SettingsPanel';
import { resetSettingsStore, useSettingsStore } from './store';

function installAdvisorApi(
  hardware: HardwareInfo,
  extra: Partial<AdvisorReport> = {},
  models: ModelsState | null = null,
) {
  const input: AdvisorInput = { hardware, variants: VOXTRAL_VARIANTS };
  const rec = recommend(input);
  let runConfig: RunOverrides = {};
  let autoUpdate = true;
  const invoke = vi.fn(async (channel: string, payload?: unknown) => {
    const settings = () => ({ theme: 'system', language: 'auto', threads: 0, runConfig, autoUpdate });
    if (channel === 'settings:get') return { ok: true, value: settings() };
    if (channel === 'settings:set') {
      const patch = payload as { runConfig?: RunOverrides; autoUpdate?: boolean };
      runConfig = patch.runConfig ?? runConfig;
      autoUpdate = patch.autoUpdate ?? autoUpdate;
      return { ok: true, value: settings() };
    }
    if (channel === 'models:get' && models) return { ok: true, value: models };
    if (channel === 'advisor:getReport')
      return { ok: true, value: { ...advisorReport(input, rec), ...extra } };
    if (channel === 'advisor:evaluate') {
      try {
        return {
          ok: true,
          value: evaluate(input, rec.config, (payload as { overrides: RunOverrides }).overrides),
        };
      } catch (e) {
        return { ok: false, error: { code: 'IPC_INVALID_PAYLOAD', message: (e as Error).message } };
      }
    }
    return { ok: false, error: { code: 'IPC_UNKNOWN_CHANNEL', message: channel } };
  });
  const api = {
    invoke,
    on: () => () => undefined,
    registerDroppedFiles: vi.fn(),
  } as unknown as RendererApi<File>;
  Object.defineProperty(window, 'api', { value: api, configurable: true });
  return { invoke, rec, input };
}

beforeEach(() => resetSettingsStore());
afterEach(() => {
  cleanup();
  Reflect.deleteProperty(window, 'api');
});

describe('SettingsPanel', () => {
  it('says what the engine loaded and, on the CPU, why not the GPU', async () => {
    const notice =
      'Running on the CPU: CUDA: no NVIDIA driver found (libcuda.so.1). Install the NVIDIA driver.';
    installAdvisorApi({
      ...PROFILES.laptop6,
      backend: {
        cpuVariant: 'haswell',
        cpuIsa: 'AVX2 + FMA',
        cpuReason: 'best of 2',
        gpu: null,
        gpuNotice: notice,
      },
    });
    render(<SettingsPanel />);
    const hw = await screen.findByRole('region', { name: 'This computer' });
    expect(within(hw).getByText(/CPU only · haswell CPU code/)).toBeTruthy();
    expect(within(hw).getByRole('note').textContent).toBe(notice);
  });

  it('names the GPU backend in use and hides the CPU notice', async () => {
    installAdvisorApi({
      ...PROFILES.laptop6,
      backend: { cpuVariant: 'haswell', cpuIsa: 'AVX2', cpuReason: 'best', gpu: 'CUDA', gpuNotice: 'stale' },
    });
    render(<SettingsPanel />);
    const hw = await screen.findByRole('region', { name: 'This computer' });
    expect(within(hw).getByText(/CUDA on the GPU/)).toBeTruthy();
    expect(within(hw).queryByRole('note')).toBeNull();
  });

  it('turns automatic update checks off in the saved settings', async () => {
    const { invoke } = installAdvisorApi(PROFILES.laptop6);
    render(<SettingsPanel />);
    const box = await screen.findByRole('checkbox', { name: 'Check for updates automatically' });
    expect((box as HTMLInputElement).checked).toBe(true);
    fireEvent.click(box);
    await waitFor(() => expect((box as HTMLInputElement).checked).toBe(false));
    expect(invoke).toHaveBeenCalledWith('settings:set', { autoUpdate: false });
    expect(screen.getByText('RotorScribe never contacts GitHub for updates.')).toBeTruthy();
  });

  it('Model weights shows the model jobs run on, and the recommendation beside it when they differ', async () => {
    const models = (weights: string, name: string): ModelsState => ({
      variants: [
        {
          id: `voxtral-mini-${weights.toLowerCase()}`,
          label: `Voxtral Mini 3B · ${weights}`,
          publisher: 'ggml-org',
          weights,
          note: '',
          approxBytes: 4e9,
          installed: true,
        },
      ],
      active: { ready: true, source: 'settings', id: `voxtral-mini-${weights.toLowerCase()}`, name },
      download: null,
    });
    const { rec } = installAdvisorApi(PROFILES.laptop6, {}, models('Q8_0', 'Voxtral-Mini-3B-2507-Q8_0.gguf'));
    expect(rec.config.weights).not.toBe('Q8_0');
    render(<SettingsPanel />);
    const select = (await screen.findByLabelText('Model weights')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('Q8_0'));
    expect(screen.getByTestId('weights-in-use').textContent).toBe(
      'In use: Voxtral-Mini-3B-2507-Q8_0.gguf (Q8_0).',
    );
    // one pointer to the card that gives the reason, not the reason again
    expect(screen.getByTestId('weights-recommended').textContent).toBe(
      `Recommended for this computer: ${rec.config.weights} (why: see Recommended above).`,
    );
    expect(screen.getAllByText(rec.why, { exact: false })).toHaveLength(1);
    // nothing to apply: what is shown is what runs
    expect(screen.getByRole('button', { name: 'Applied' })).toBeTruthy();

    // choosing another variant is a what-if, and says so
    fireEvent.change(select, { target: { value: rec.config.weights } });
    await waitFor(() =>
      expect(screen.getByTestId('weights-in-use').textContent).toContain('not the model in use'),
    );

    // switching models in Settings -> Models: the field follows the new model instead of keeping the what-if
    const third = ['F16', 'Q5_K_M', 'Q4_K_M'].find((w) => w !== rec.config.weights) ?? 'F16';
    act(() => useSettingsStore.getState().setModels(models(third, `Voxtral-Mini-3B-2507-${third}.gguf`)));
    await waitFor(() => expect(select.value).toBe(third));
    await waitFor(() =>
      expect(screen.getByTestId('weights-in-use').textContent).toBe(
        `In use: Voxtral-Mini-3B-2507-${third}.gguf (${third}).`,
      ),
    );
    expect(screen.getByRole('button', { name: 'Applied' })).toBeTruthy();

    cleanup();
    resetSettingsStore();
    installAdvisorApi(
      PROFILES.laptop6,
      {},
      models(rec.config.weights, `Voxtral-Mini-3B-2507-${rec.config.weights}.gguf`),
    );
    render(<SettingsPanel />);
    await waitFor(() =>
      expect(screen.getByTestId('weights-in-use').textContent).toBe(
        `In use: Voxtral-Mini-3B-2507-${rec.config.weights}.gguf (${rec.config.weights}).`,
      ),
    );
    expect(screen.queryByTestId('weights-recommended')).toBeNull();
  });

  it('shows the hardware, the recommendation sentence and the rejected alternatives', async () => {
    const { rec } = installAdvisorApi(PROFILES.laptop6);
    render(<SettingsPanel />);
    expect(await screen.findByText(rec.why)).toBeTruthy();
    const hw = screen.getByRole('region', { name: 'This computer' });
    expect(within(hw).getByText(/NVIDIA GeForce RTX 3060 Laptop GPU \(CUDA0\)/)).toBeTruthy();
    const chips = screen.getByRole('list', { name: 'Recommended configuration' });
    expect(within(chips).getByText(`${rec.config.kvTypeK} cache`)).toBeTruthy();
    expect(screen.getByText(/Why not something else\?/)).toBeTruthy();
    expect(screen.getByText('f16 cache', { selector: 'strong' })).toBeTruthy();
  });

  it('changing the K/V type re-evaluates before applying and updates the shown bytes', async () => {
    const { invoke } = installAdvisorApi(PROFILES.laptop6);
    render(<SettingsPanel />);
    const kvBytes = await screen.findByTestId('kv-bytes');
    const before = kvBytes.textContent;
    fireEvent.change(screen.getByLabelText('Key cache type'), { target: { value: 'f16' } });
    fireEvent.change(screen.getByLabelText('Value cache type'), { target: { value: 'f16' } });
    await waitFor(() => expect(screen.getByTestId('kv-per-token').textContent).toBe('120 KiB'));
    expect(screen.getByTestId('kv-bytes').textContent).not.toBe(before);
    expect(invoke).toHaveBeenLastCalledWith('advisor:evaluate', {
      overrides: { kvTypeK: 'f16', kvTypeV: 'f16' },
    });
    // f16 does not fit this laptop's GPU: said before commit, and Apply is refused
    const verdict = screen.getByTestId('verdict');
    expect(verdict.getAttribute('role')).toBe('status');
    expect(verdict.textContent).toMatch(/^Does not fit: needs .* more than the .* VRAM budget/);
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Reset to recommended' }));
    await waitFor(() => expect(screen.getByTestId('kv-bytes').textContent).toBe(before));
  });

  it('applies a configuration that fits', async () => {
    const { invoke } = installAdvisorApi(PROFILES.desktop24);
    render(<SettingsPanel />);
    await screen.findByTestId('kv-bytes');
    fireEvent.change(screen.getByLabelText('Window length (seconds)'), { target: { value: '300' } });
    await waitFor(() =>
      expect(useSettingsStore.getState().evaluation?.estimate.config.windowSeconds).toBe(300),
    );
    const apply = screen.getByRole('button', { name: 'Apply' });
    expect((apply as HTMLButtonElement).disabled).toBe(false);
    act(() => fireEvent.click(apply));
    expect(await screen.findByRole('button', { name: 'Applied' })).toBeTruthy();
    expect(invoke).toHaveBeenCalledWith('settings:set', { runConfig: { windowSeconds: 300 } });
    expect(useSettingsStore.getState().applied).toEqual({ windowSeconds: 300 });
    // a fresh panel starts from what was applied
    cleanup();
    resetSettingsStore();
    render(<SettingsPanel />);
    await waitFor(() =>
      expect(useSettingsStore.getState().evaluation?.estimate.config.windowSeconds).toBe(300),
    );
    expect(((await screen.findByLabelText('Window length (seconds)')) as HTMLInputElement).value).toBe('300');
  });

  it('a number field can be emptied and retyped; a draft that is not a valid number is shown, not sent', async () => {
    const { invoke } = installAdvisorApi(PROFILES.desktop24);
    render(<SettingsPanel />);
    await screen.findByTestId('kv-bytes');
    const field = screen.getByLabelText('Window length (seconds)') as HTMLInputElement;
    const before = field.value;
    const evaluations = () => invoke.mock.calls.filter(([channel]) => channel === 'advisor:evaluate').length;
    const sent = evaluations();
    act(() => field.focus());
    // deleting the last digit leaves the field empty (it used to snap back to the old value)
    fireEvent.change(field, { target: { value: '' } });
    expect(field.value).toBe('');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const hint = screen.getByText(/Enter a whole number from 5 to 3600\. Leaving the field keeps \d+\./u);
    expect(field.getAttribute('aria-describedby')?.split(' ')).toContain(hint.id);
    // a number under the minimum while typing is shown too, and not sent either
    fireEvent.change(field, { target: { value: '3' } });
    expect(field.value).toBe('3');
    expect(evaluations()).toBe(sent);
    fireEvent.change(field, { target: { value: '30' } });
    await waitFor(() =>
      expect(useSettingsStore.getState().evaluation?.estimate.config.windowSeconds).toBe(30),
    );
    expect(field.value).toBe('30');
    expect(field.getAttribute('aria-invalid')).toBeNull();
    expect(screen.queryByText(/Enter a whole number/u)).toBeNull();
    // left empty: the last valid value comes back on blur, or on Enter
    fireEvent.change(field, { target: { value: '' } });
    act(() => field.blur());
    expect(field.value).toBe('30');
    act(() => field.focus());
    fireEvent.change(field, { target: { value: '99999' } });
    fireEvent.keyDown(field, { key: 'Enter' });
    expect(field.value).toBe('30');
    expect(useSettingsStore.getState().overrides.windowSeconds).toBe(30);
    expect(before).not.toBe('30');
    // a reset while the field is not being edited shows the recommended value again
    act(() => field.blur());
    fireEvent.click(screen.getByRole('button', { name: 'Reset to recommended' }));
    await waitFor(() => expect(field.value).toBe(before));
  });

  it('shows the saving against f16 and minutes per window for every cache type', async () => {
    installAdvisorApi(PROFILES.laptop6);
    render(<SettingsPanel />);
    const saving = await screen.findByTestId('saving');
    expect(saving.textContent).toMatch(/saves [\d.]+ (GB|MB): \d+% of the cache, \d+% of the total\./);
    const table = screen.getByRole('table', { name: /Every cache type/ });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(1 + KV_PAIR_LADDER.length);
    expect(within(table).getByRole('rowheader', { name: 'iso3' })).toBeTruthy();
    // each option's measured WER change and KL next to what it saves; the mixed pair has a row of its own
    const mixed = within(table).getByRole('row', { name: /^K q8_0 \/ V iso3/ });
    const m = measuredKvQuality({ k: 'q8_0', v: 'iso3' })!;
    const cells = within(mixed)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells).toContain(m.kl.toExponential(1));
    const d = m.werDeltaPoints;
    expect(cells).toContain(
      d === undefined ? 'not measured' : `${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d).toFixed(1)} points`,
    );
    expect(cells[2]).toMatch(/^[\d.]+ (GB|MB|kB)$/);
    const f16 = within(table).getByRole('row', { name: /^f16/ });
    expect(
      within(f16)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toContain('±0 (reference)');
    // rows run in the measured order, and the source of the figures is named
    const headers = within(table)
      .getAllByRole('rowheader')
      .map((h) => h.textContent);
    const at = (name: string) => headers.findIndex((h) => h === name || h?.startsWith(`${name} (`));
    expect(at('K q8_0 / V iso3')).toBe(at('q8_0') + 1);
    // on this GPU plan the mixed pair is offered for CPU plans only, and says so
    expect(headers[at('K q8_0 / V iso3')]).toMatch(/mixed K\/V pairs run on the CPU only/);
    expect(screen.getByTestId('quality-source').textContent).toContain(KV_QUALITY_SOURCE.date);
    expect(within(table).getAllByText(/min of audio/).length).toBeGreaterThan(0);
    expect(screen.getAllByRole('img', { name: /^f16 cache: / })).toHaveLength(1);
  });

  it('says clearly when nothing fits (4 GB machine)', async () => {
    installAdvisorApi(PROFILES.ram4);
    render(<SettingsPanel />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Voxtral cannot run on this machine/);
    expect(screen.getByRole('heading', { name: 'Voxtral does not fit this computer' })).toBeTruthy();
  });

  it('shows the measured allocation next to the prediction once a model is loaded', async () => {
    const { rec } = installAdvisorApi(PROFILES.cpu8);
    const predicted = rec.estimate.pools[0]!.breakdown;
    const measured = { ...predicted, kv: predicted.kv * 0.5, computeEncoder: 0 };
    installAdvisorApi(PROFILES.cpu8, {
      measured: {
        config: rec.config,
        nCtx: rec.estimate.context.nCtx,
        predicted,
        measured,
        reported: ['weights', 'kv', 'computeDecoder'],
      },
    });
    render(<SettingsPanel />);
    const table = await screen.findByRole('table', { name: /tokens of context/ });
    const kvRow = within(table).getByRole('row', { name: /KV cache/ });
    expect(kvRow.textContent).toContain(formatBytes(predicted.kv));
    expect(kvRow.textContent).toContain('+100.0%');
    expect(within(table).getByRole('row', { name: /Encoder compute/ }).textContent).toContain('not reported');
  });

  it('shows a typed error from main with its hint', async () => {
    const api = {
      invoke: async () => ({
        ok: false,
        error: { code: 'INTERNAL', message: 'The memory advisor is not available.', hint: 'Restart.' },
      }),
      on: () => () => undefined,
    };
    Object.defineProperty(window, 'api', { value: api, configurable: true });
    render(<SettingsPanel />);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The memory advisor is not available. Restart.',
    );
  });
});
