import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { EVENT_CHANNELS } from '@common/ipc-contract';
import type { QueueJob } from '@common/library-schema';
import { useAppStore } from '../../shell/app-store';
import { Shell } from '../../shell/Shell';
import { IDLE_HANDLERS, job, ok, snapshot } from '../../test-fixtures';
import { useQueueStore } from './store';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  removeFakeApi();
});

const running = job({
  id: 'j-run',
  displayName: 'standup.m4a',
  sizeBytes: 3 * 1024 * 1024,
  state: 'running',
  position: 0,
  progress: {
    windowsDone: 3,
    windowsTotal: 10,
    audioSecDone: 90,
    durationSec: 300,
    speed: 12.34,
    etaSec: 17,
  },
});
const failed = job({
  id: 'j-bad',
  displayName: 'broken.mp3',
  state: 'failed',
  position: 1,
  error: {
    code: 'AUDIO_CORRUPT',
    message: 'The audio is damaged beyond what can be decoded.',
    hint: 'Try the file in another format (e.g. WAV).',
  },
});
const queued = job({ id: 'j-q', displayName: 'lecture.wav', state: 'queued', position: 2 });
const done = job({ id: 'j-done', displayName: 'done.wav', state: 'done', position: 3, transcriptId: 't-42' });

function renderQueue(jobs: QueueJob[], extra: Parameters<typeof installFakeApi>[0] = {}) {
  const fake = installFakeApi({
    ...IDLE_HANDLERS,
    'queue:get': () => ok(snapshot(jobs)),
    'queue:control': () => ok(snapshot(jobs)),
    'queue:move': () => ok(snapshot(jobs)),
    ...extra,
  });
  render(<Shell />);
  return fake;
}

const row = (name: string) => screen.getByRole('listitem', { name });

describe('Queue view', () => {
  it('shows each job with size, state, progress bar, windows, audio time, speed and ETA', async () => {
    renderQueue([running, failed, queued]);
    const list = await screen.findByRole('list', { name: 'Queued files' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('aria-label')),
    ).toEqual(['standup.m4a', 'broken.mp3', 'lecture.wav']);
    const r = row('standup.m4a');
    expect(within(r).getByText('3.0 MB')).toBeTruthy();
    expect(within(r).getByText('Transcribing')).toBeTruthy();
    const bar = within(r).getByRole('progressbar', { name: 'Progress of standup.m4a' });
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(r.textContent).toContain('windows 3/10 · audio 1:30 / 5:00 · 12.3× real time · about 0:17 left');
  });

  it('a failed job shows its error and hint in place while the others keep going', async () => {
    renderQueue([running, failed, queued]);
    const bad = await screen.findByRole('listitem', { name: 'broken.mp3' });
    expect(within(bad).getByText('Failed')).toBeTruthy();
    expect(bad.textContent).toContain('The audio is damaged beyond what can be decoded.');
    expect(bad.textContent).toContain('Try the file in another format (e.g. WAV).');
    expect(within(row('standup.m4a')).queryByText(/damaged/)).toBeNull();
    expect(within(row('standup.m4a')).getByText('Transcribing')).toBeTruthy();
  });

  it('per-job controls send queue:control with the job id and action', async () => {
    const fake = renderQueue([running, failed, queued, done]);
    await screen.findByRole('list', { name: 'Queued files' });
    // what each state offers
    expect(within(row('standup.m4a')).queryByRole('button', { name: 'Retry standup.m4a' })).toBeNull();
    expect(within(row('broken.mp3')).queryByRole('button', { name: 'Pause broken.mp3' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Pause standup.m4a' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel standup.m4a' }));
    fireEvent.click(screen.getByRole('button', { name: 'Retry broken.mp3' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove lecture.wav' }));
    await waitFor(() =>
      expect(fake.api.invoke.mock.calls.filter(([c]) => c === 'queue:control').map(([, p]) => p)).toEqual([
        { id: 'j-run', action: 'pause' },
        { id: 'j-run', action: 'cancel' },
        { id: 'j-bad', action: 'retry' },
        { id: 'j-q', action: 'remove' },
      ]),
    );
    // a removed row takes its button with it: focus goes to the queue heading
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Queue' })));
  });

  it('focus stays in the row when its controls change: Resume after Pause, Retry after Cancel, Pause after Retry', async () => {
    // main answers each control with the new state, or (second case) only in a later queue:changed snapshot
    let jobs: QueueJob[] = [running];
    const fake = renderQueue(jobs, {
      'queue:control': (p) => {
        const { action } = p as { action: string };
        const state = action === 'pause' ? 'paused' : action === 'cancel' ? 'cancelled' : 'queued';
        if (action === 'retry') return ok(snapshot(jobs));
        jobs = [{ ...jobs[0]!, state }];
        return ok(snapshot(jobs));
      },
    });
    await screen.findByRole('list', { name: 'Queued files' });
    const press = async (label: string) => {
      const button = screen.getByRole('button', { name: label });
      button.focus();
      fireEvent.click(button);
      await act(async () => undefined);
    };
    await press('Pause standup.m4a');
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Resume standup.m4a' })),
    );
    await press('Cancel standup.m4a');
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Retry standup.m4a' })),
    );
    await press('Retry standup.m4a');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Retry standup.m4a' }));
    jobs = [{ ...jobs[0]!, state: 'running' }];
    act(() => fake.emit('queue:changed', snapshot(jobs)));
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Pause standup.m4a' })),
    );
  });

  it('move up/down send queue:move with the new index; the ends do nothing', async () => {
    const a = job({ id: 'a', displayName: 'a.wav', position: 0 });
    const b = job({ id: 'b', displayName: 'b.wav', position: 1, state: 'paused' });
    const c = job({ id: 'c', displayName: 'c.wav', position: 2 });
    const fake = renderQueue([a, b, c]);
    await screen.findByRole('list', { name: 'Queued files' });
    fireEvent.click(screen.getByRole('button', { name: 'Move b.wav up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Move b.wav down' }));
    const top = screen.getByRole('button', { name: 'Move a.wav up' });
    expect(top.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(top);
    await waitFor(() =>
      expect(fake.api.invoke.mock.calls.filter(([ch]) => ch === 'queue:move').map(([, p]) => p)).toEqual([
        { id: 'b', index: 0 },
        { id: 'b', index: 2 },
      ]),
    );
  });

  it('follows queue:changed snapshots; an unchanged job keeps its object, so its row is not re-rendered', async () => {
    const fake = renderQueue([running, queued]);
    await screen.findByRole('list', { name: 'Queued files' });
    const [runBefore, queuedBefore] = useQueueStore.getState().jobs;
    act(() =>
      fake.emit(
        'queue:changed',
        snapshot([
          { ...running, progress: { ...running.progress!, windowsDone: 4, audioSecDone: 120 } },
          { ...queued },
        ]),
      ),
    );
    const bar = screen.getByRole('progressbar', { name: 'Progress of standup.m4a' });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    const [runAfter, queuedAfter] = useQueueStore.getState().jobs;
    expect(runAfter).not.toBe(runBefore);
    expect(queuedAfter).toBe(queuedBefore);
  });

  it("a running job's row follows the engine's steps before its first window, each passing the IPC contract", async () => {
    const starting = (stage: NonNullable<QueueJob['progress']>['stage']): QueueJob => ({
      ...running,
      progress: {
        windowsDone: 0,
        windowsTotal: 0,
        audioSecDone: 0,
        durationSec: 300,
        speed: null,
        etaSec: null,
        stage,
      },
    });
    const fake = renderQueue([starting({ name: 'loading_model', fraction: 0.5 })]);
    const r = await screen.findByRole('listitem', { name: 'standup.m4a' });
    within(r).getByText('Loading the model: 50 %', { exact: false });
    const steps: [NonNullable<QueueJob['progress']>['stage'], string][] = [
      [{ name: 'reading_audio' }, 'Opening the recording…'],
      [{ name: 'finding_speech', audioSecRead: 95 }, 'Finding speech: 1:35 of 5:00 read'],
      [{ name: 'first_window', startSec: 2, endSec: 61 }, 'Transcribing the first part (0:02–1:01)…'],
    ];
    for (const [stage, text] of steps) {
      const payload = snapshot([starting(stage)]);
      expect(v.safeParse(EVENT_CHANNELS['queue:changed'], payload).success).toBe(true);
      act(() => fake.emit('queue:changed', payload));
      within(row('standup.m4a')).getByText(text, { exact: false });
      // the bar without a number says it too, for a screen reader
      expect(
        screen.getByRole('progressbar', { name: 'Progress of standup.m4a' }).getAttribute('aria-valuetext'),
      ).toBe(text);
    }
    // the first window's progress replaces the step
    act(() => fake.emit('queue:changed', snapshot([running])));
    expect(within(row('standup.m4a')).queryByText(/Transcribing the first part/u)).toBeNull();
    within(row('standup.m4a')).getByText('windows 3/10', { exact: false });
  });

  it('a finished job opens its transcript', async () => {
    renderQueue([done], {
      'library:get': () => ({ ok: false, error: { code: 'TRANSCRIPT_NOT_FOUND', message: 'Gone.' } }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Open transcript of done.wav' }));
    expect(useAppStore.getState().view).toBe('transcript');
    expect(useAppStore.getState().transcript?.id).toBe('t-42');
  });

  it('no model: an empty state says what is missing and how to get it; jobs stay queued', async () => {
    installFakeApi({
      ...IDLE_HANDLERS,
      'queue:get': () =>
        ok(
          snapshot([queued], {
            ready: false,
            reason: 'no_model',
            message: 'No Voxtral model is configured.',
            hint: 'Choose a model file in Settings.',
          }),
        ),
    });
    render(<Shell />);
    const empty = await screen.findByRole('region', { name: 'No transcription model yet' });
    expect(empty.textContent).toContain('No Voxtral model is configured.');
    expect(empty.textContent).toContain('Choose a model file in Settings.');
    expect(within(row('lecture.wav')).getByText('Queued')).toBeTruthy();
  });
});

describe('Adding files', () => {
  const registered = (paths: string[]) =>
    ok({
      files: paths.map((path, i) => ({
        token: `token-000${i}`,
        name: path.split('/').pop() ?? '',
        sizeBytes: 3 * 1024 * 1024,
      })),
    });

  it('a drop anywhere on the window registers the files, then queues their tokens', async () => {
    const fake = installFakeApi({
      ...IDLE_HANDLERS,
      'files:registerDropped': (p) => registered((p as { paths: string[] }).paths),
      'queue:add': () =>
        ok(snapshot([job({ id: 'j1', displayName: 'standup.m4a', sizeBytes: 3 * 1024 * 1024 })])),
    });
    render(<Shell />);
    // dropped while another view is shown: the queue comes into view
    fireEvent.click(screen.getByRole('button', { name: 'Library' }));
    const file = new File([new Uint8Array(10)], 'standup.m4a', { type: 'audio/mp4' });
    fireEvent.dragEnter(document.body, { dataTransfer: { files: [file], types: ['Files'] } });
    expect(screen.getByText('Drop files or folders to transcribe')).toBeTruthy();
    fireEvent.drop(document.body, { dataTransfer: { files: [file], types: ['Files'] } });
    expect(screen.queryByText('Drop files or folders to transcribe')).toBeNull();
    const list = await screen.findByRole('list', { name: 'Queued files' });
    expect(within(list).getByText('standup.m4a')).toBeTruthy();
    expect(within(list).getByText('3.0 MB')).toBeTruthy();
    expect(fake.api.registerDroppedFiles).toHaveBeenCalledWith([file]);
    expect(fake.api.invoke).toHaveBeenCalledWith('queue:add', { tokens: ['token-0000'] });
    const registeredAt = fake.api.registerDroppedFiles.mock.invocationCallOrder[0] ?? Infinity;
    const addIndex = fake.api.invoke.mock.calls.findIndex(([c]) => c === 'queue:add');
    expect(registeredAt).toBeLessThan(fake.api.invoke.mock.invocationCallOrder[addIndex] ?? -1);
  });

  it('Add files… and Add folder… use main-process dialogs; a cancelled dialog queues nothing', async () => {
    let folderFiles = [{ token: 'token-folder', name: 'Meetings', sizeBytes: 0 }];
    const fake = installFakeApi({
      ...IDLE_HANDLERS,
      'dialog:openAudioFiles': () =>
        ok({ files: [{ token: 'token-aaaa', name: 'interview.wav', sizeBytes: 2048 }] }),
      'dialog:openFolder': () => ok({ files: folderFiles }),
      'queue:add': () => ok(snapshot([job({ id: 'j1', displayName: 'interview.wav', sizeBytes: 2048 })])),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Add files…' }));
    expect(await screen.findByText('interview.wav')).toBeTruthy();
    expect(screen.getByText('2.0 KB')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    await waitFor(() =>
      expect(fake.api.invoke).toHaveBeenCalledWith('queue:add', { tokens: ['token-folder'] }),
    );
    folderFiles = [];
    fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    await waitFor(() =>
      expect(fake.api.invoke.mock.calls.filter(([c]) => c === 'dialog:openFolder')).toHaveLength(2),
    );
    await act(async () => undefined);
    expect(fake.api.invoke.mock.calls.filter(([c]) => c === 'queue:add').map(([, p]) => p)).toEqual([
      { tokens: ['token-aaaa'] },
      { tokens: ['token-folder'] },
    ]);
  });

  it('files added from the app menu are queued', async () => {
    const fake = installFakeApi({ ...IDLE_HANDLERS, 'queue:add': () => ok(snapshot()) });
    render(<Shell />);
    act(() =>
      fake.emit('files:added', { files: [{ token: 'token-bbbb', name: 'lecture.mp3', sizeBytes: 512 }] }),
    );
    await waitFor(() =>
      expect(fake.api.invoke).toHaveBeenCalledWith('queue:add', { tokens: ['token-bbbb'] }),
    );
  });

  it('a file dropped again while its job waits is not queued twice, and the window says so', async () => {
    const waiting = job({ id: 'j1', displayName: 'standup.m4a', state: 'queued' });
    installFakeApi({
      ...IDLE_HANDLERS,
      'queue:get': () => ok(snapshot([waiting])),
      'files:registerDropped': () =>
        ok({ files: [{ token: 'token-0000', name: 'standup.m4a', sizeBytes: 9 }] }),
      // main skips the path it already has waiting: the snapshot holds no new job
      'queue:add': () => ok(snapshot([waiting])),
    });
    render(<Shell />);
    await screen.findByRole('listitem', { name: 'standup.m4a' });
    const file = new File([new Uint8Array(10)], 'standup.m4a');
    fireEvent.drop(document.body, { dataTransfer: { files: [file], types: ['Files'] } });
    await waitFor(() =>
      expect(screen.getByText('standup.m4a is already in the queue.').getAttribute('role')).toBe('status'),
    );
    expect(screen.getAllByRole('listitem', { name: 'standup.m4a' })).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss message' }));
    expect(screen.queryByText('standup.m4a is already in the queue.')).toBeNull();
  });

  it('shows a typed error as an alert', async () => {
    installFakeApi({
      ...IDLE_HANDLERS,
      'dialog:openAudioFiles': () => ({
        ok: false,
        error: { code: 'FILE_NOT_FOUND', message: 'The file does not exist or was moved.' },
      }),
    });
    render(<Shell />);
    fireEvent.click(screen.getByRole('button', { name: 'Add files…' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The file does not exist or was moved.');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss error' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
