import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelsState } from '@common/models-schema';
import { job, snapshot } from '../../test-fixtures';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { useQueueStore } from '../queue/store';
import { SetupGate } from './SetupGate';
import { resetSetupStore } from './store';

beforeEach(() => {
  resetStores();
  resetSetupStore();
});
afterEach(() => {
  cleanup();
  removeFakeApi();
});

const ok = <T,>(value: T) => ({ ok: true as const, value });

const VARIANTS: ModelsState['variants'] = [
  {
    id: 'voxtral-mini-q4_k_m',
    label: 'Voxtral Mini 3B · Q4_K_M',
    publisher: 'ggml-org',
    weights: 'Q4_K_M',
    note: 'Smallest download.',
    approxBytes: 3_200_000_000,
    installed: false,
  },
  {
    id: 'voxtral-mini-q8_0',
    label: 'Voxtral Mini 3B · Q8_0',
    publisher: 'ggml-org',
    weights: 'Q8_0',
    note: 'Near full quality.',
    approxBytes: 5_000_000_000,
    installed: false,
  },
];

const firstRun: ModelsState = {
  variants: VARIANTS,
  recommended: {
    id: 'voxtral-mini-q8_0',
    reason: 'Q8_0 weights and iso3 cache fit in 16 GB with room to spare.',
  },
  active: { ready: false },
  download: null,
};

function app(state: ModelsState, extra: Record<string, (p: unknown) => ReturnType<typeof ok>> = {}) {
  const api = installFakeApi({
    'models:get': () => ok(state),
    'models:resolve': (p) =>
      ok({ id: (p as { id: string }).id, modelBytes: 4_000_000_000, mmprojBytes: 700_000_000 }),
    ...extra,
  });
  render(
    <SetupGate>
      <p>transcribe view</p>
    </SetupGate>,
  );
  return api;
}

describe('first-run setup screen', () => {
  it("pre-selects the advisor's recommendation with its reason and the exact size from the metadata", async () => {
    app(firstRun);
    const q8 = await screen.findByRole('radio', { name: /Q8_0/u });
    expect((q8 as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('radio', { name: /Q4_K_M/u }) as HTMLInputElement).checked).toBe(false);
    expect(screen.getByText(/fit in 16 GB with room to spare/u)).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Download (4.70 GB)' })).toBeTruthy();
    expect(screen.queryByText('transcribe view')).toBeNull();
  });

  it('download: one progress bar for both files with speed and ETA, pause and cancel', async () => {
    const downloading: ModelsState = {
      ...firstRun,
      download: {
        id: 'voxtral-mini-q8_0',
        state: 'downloading',
        bytesDone: 1_880_000_000,
        bytesTotal: 4_700_000_000,
        bytesPerSec: 12_500_000,
        etaSec: 226,
      },
    };
    const { api } = app(firstRun, { 'models:download': () => ok(downloading) });
    fireEvent.click(await screen.findByRole('button', { name: /^Download/u }));
    const bar = await screen.findByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    const section = bar.closest('section')!;
    expect(within(section).getByText(/1\.88 GB of 4\.70 GB · 12\.5 MB\/s · 3 min 46 s left/u)).toBeTruthy();
    expect(api.invoke).toHaveBeenCalledWith('models:download', { id: 'voxtral-mini-q8_0' });
    expect((screen.getByRole('radio', { name: /Q4_K_M/u }) as HTMLInputElement).disabled).toBe(true);
    expect((within(section).getByRole('button', { name: 'Pause' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
    expect(
      (within(section).getByRole('button', { name: 'Cancel download' }) as HTMLButtonElement).disabled,
    ).toBe(false);
  });

  it('switches to the transcribe view once main reports a usable model', async () => {
    const { emit } = app(firstRun);
    await screen.findByRole('heading', { name: 'Set up transcription' });
    emit('models:changed', {
      ...firstRun,
      active: { ready: true, source: 'settings', id: 'voxtral-mini-q8_0' },
    });
    await waitFor(() => expect(screen.getByText('transcribe view')).toBeTruthy());
  });

  it('a partial model file: says so and offers a re-download of that entry', async () => {
    const broken: ModelsState = {
      ...firstRun,
      variants: VARIANTS.map((v) => (v.id === 'voxtral-mini-q4_k_m' ? { ...v, installed: true } : v)),
      active: {
        ready: false,
        source: 'settings',
        id: 'voxtral-mini-q4_k_m',
        name: 'Voxtral-Mini-3B-2507-Q4_K_M.gguf',
        problem: {
          code: 'MODEL_TRUNCATED',
          message: 'Voxtral-Mini-3B-2507-Q4_K_M.gguf: The model file is incomplete (truncated download?).',
          hint: 'Download it again.',
        },
      },
    };
    const { api } = app(broken, { 'models:download': () => ok(broken) });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The model file is incomplete');
    fireEvent.click(within(alert).getByRole('button', { name: 'Download again' }));
    await waitFor(() =>
      expect(api.invoke).toHaveBeenCalledWith('models:download', { id: 'voxtral-mini-q4_k_m' }),
    );
  });

  it('files dropped before a model exists are shown waiting, with their own errors, under the introduction', async () => {
    app(firstRun);
    await screen.findByRole('heading', { name: 'Set up transcription' });
    expect(screen.queryByRole('list', { name: 'Queued files' })).toBeNull();
    // what main's queue:changed brings after a drop on the window
    act(() =>
      useQueueStore.getState().apply(
        snapshot([
          job({ id: 'a', displayName: 'standup.wav', state: 'queued', position: 0 }),
          job({
            id: 'b',
            displayName: 'empty.mp3',
            state: 'failed',
            position: 1,
            error: { code: 'FILE_EMPTY', message: 'The file is empty (0 bytes): empty.mp3' },
          }),
        ]),
      ),
    );
    expect(
      screen
        .getByText('1 file is waiting: it is transcribed as soon as a model is set up.')
        .getAttribute('role'),
    ).toBe('status');
    const list = screen.getByRole('list', { name: 'Queued files' });
    expect(
      within(within(list).getByRole('listitem', { name: 'standup.wav' })).getByText('Queued'),
    ).toBeTruthy();
    expect(within(list).getByText('The file is empty (0 bytes): empty.mp3')).toBeTruthy();
    expect(within(list).getByRole('button', { name: 'Remove standup.wav' })).toBeTruthy();
  });

  it('a configured, working model shows the transcribe view', async () => {
    app({ ...firstRun, active: { ready: true, source: 'env', name: 'test engine (echo)' } });
    expect(await screen.findByText('transcribe view')).toBeTruthy();
  });
});
