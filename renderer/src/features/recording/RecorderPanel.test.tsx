import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordingStatusPayload } from '@common/recording-schema';
import { useAppStore } from '../../shell/app-store';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { useLiveTextStore } from '../queue/live-store';
import { formatElapsed, formatTimeLeft, levelPercent } from './format';
import { RecorderPanel } from './RecorderPanel';
import { RecoveredPrompt } from './RecoveredPrompt';
import { resetRecordingStore, useRecordingStore } from './store';

const ok = <T,>(value: T) => ({ ok: true as const, value });

const IDLE: RecordingStatusPayload = {
  phase: 'idle',
  elapsedSec: 0,
  bytes: 0,
  channels: 1,
  disk: { level: 'ok', secondsLeft: 0 },
  live: 'off',
  missedChunks: 0,
};

function api(over: Record<string, (p: unknown) => ReturnType<typeof ok>> = {}) {
  return installFakeApi({
    'recording:capabilities': () =>
      ok({
        systemAudio: 'monitor',
        systemAudioNote: 'Choose a "Monitor of …" input.',
        shortcut: 'Ctrl+Shift+R',
      }),
    'recording:status': () => ok(IDLE),
    'recording:recovered': () => ok({ recordings: [] }),
    ...over,
  });
}

beforeEach(() => {
  resetStores();
  resetRecordingStore();
});
afterEach(() => {
  cleanup();
  removeFakeApi();
});

describe('recorder view', () => {
  it('the live text follows the newest window while the reader is at its end, and stays where one who scrolled up is', async () => {
    const fake = api();
    render(<RecorderPanel />);
    const offs = [useRecordingStore.getState().listen(), useLiveTextStore.getState().listen()];
    await act(() => useRecordingStore.getState().init());
    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'recording',
        id: 'rec-1',
        title: 'Standup',
        live: 'on',
      }),
    );
    let n = 0;
    const next = () =>
      act(() =>
        fake.emit('job:window', {
          jobId: 'rec-1',
          windowId: `w${n}`,
          index: n,
          startSec: n * 10,
          endSec: ++n * 10,
          text: `window ${n}`,
          status: 'done',
          flags: [],
        }),
      );
    next();
    const list = screen.getByRole('list');
    // jsdom has no layout: the box is 320 px high and holds 40 px a window
    Object.defineProperty(list, 'clientHeight', { configurable: true, value: 320 });
    Object.defineProperty(list, 'scrollHeight', { configurable: true, get: () => n * 40 });
    for (let i = 0; i < 11; i++) next();
    expect(list.scrollTop).toBe(480); // 12 windows: the newest in view
    // the reader scrolls up to re-read: new text no longer moves the box
    list.scrollTop = 100;
    fireEvent.scroll(list);
    next();
    expect(list.scrollTop).toBe(100);
    // back at the end: following again
    list.scrollTop = 13 * 40 - 320;
    fireEvent.scroll(list);
    next();
    expect(list.scrollTop).toBe(14 * 40);
    for (const off of offs) off();
  });

  it('shows the recording indicator, elapsed time, a low-disk warning and the live text as main reports them', async () => {
    const fake = api();
    render(<RecorderPanel />);
    const offs = [useRecordingStore.getState().listen(), useLiveTextStore.getState().listen()];
    await act(() => useRecordingStore.getState().init());
    expect(screen.getByText('Start a recording to see its text here.')).toBeTruthy();
    expect(screen.getByText(/Start\/stop from anywhere: Ctrl\+Shift\+R/u)).toBeTruthy();
    // Linux without a monitor input: said plainly, and the picker is off
    expect(screen.getByText(/No PulseAudio\/PipeWire monitor input was found/u)).toBeTruthy();
    expect((screen.getByLabelText(/System audio/u) as HTMLSelectElement).disabled).toBe(true);

    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'recording',
        id: 'rec-1',
        title: 'Standup',
        elapsedSec: 75.4,
        disk: { level: 'low', secondsLeft: 600 },
        live: 'on',
      }),
    );
    expect(screen.getByRole('status').textContent).toMatch(/Recording\s*0:01:15/u);
    expect(screen.getByRole('alert').textContent).toMatch(
      /Disk space is low: about 10 min of recording left/u,
    );
    expect(screen.getByRole('button', { name: 'Stop recording' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Pause' })).toBeTruthy();
    // 75 s in and no text yet: live transcription is behind, and the window says so and that nothing is lost
    expect(screen.getByRole('note').textContent).toMatch(
      /^Live text is 1 min 15 s behind: .*Nothing is lost/u,
    );

    act(() =>
      fake.emit('job:window', {
        jobId: 'rec-1',
        windowId: 'w0',
        index: 0,
        startSec: 0,
        endSec: 9.5,
        text: 'the budget review starts on monday',
        status: 'done',
        flags: [],
      }),
    );
    expect(screen.getByText('the budget review starts on monday')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toMatch(/^Live text is 1 min 5 s behind/u);

    // main stopped it: disk full; the message stays, the text too
    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'finishing',
        id: 'rec-1',
        title: 'Standup',
        elapsedSec: 80,
        live: 'catching_up',
        error: {
          code: 'DISK_FULL',
          message: 'The disk is almost full: the recording stopped.',
          hint: 'Everything recorded until now is saved.',
        },
      }),
    );
    expect(screen.getByRole('alert').textContent).toMatch(
      /almost full.*Everything recorded until now is saved/su,
    );
    // what is left after the stop: 80 s recorded, text up to 9.5 s
    expect(screen.getByText(/Transcribing the last 1 min 10 s of the recording…/u)).toBeTruthy();
    expect(screen.queryByRole('note')).toBeNull();

    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'saved',
        id: 'rec-1',
        title: 'Standup',
        elapsedSec: 80,
        live: 'done',
        transcriptId: 't-9',
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Open transcript' }));
    expect(useAppStore.getState().view).toBe('transcript');
    expect(useAppStore.getState().transcript?.id).toBe('t-9');
    offs.forEach((off) => off());
  });

  it('an answer to Stop older than the status main sent meanwhile does not replace it', async () => {
    let answer: (v: ReturnType<typeof ok>) => void = () => undefined;
    const fake = api({
      'recording:stop': () => new Promise((resolve) => (answer = resolve)) as never,
    });
    render(<RecorderPanel />);
    const off = useRecordingStore.getState().listen();
    act(() =>
      fake.emit('recording:status', { ...IDLE, phase: 'recording', id: 'rec-3', elapsedSec: 40, live: 'on' }),
    );
    let stopping: Promise<void> = Promise.resolve();
    act(() => {
      stopping = useRecordingStore.getState().stop();
    });
    await waitFor(() => expect(fake.api.invoke).toHaveBeenCalledWith('recording:stop', { id: 'rec-3' }));
    // main: the file is sealed and the live job catches up; then the stop call answers with what it saw first
    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'finishing',
        id: 'rec-3',
        elapsedSec: 40,
        live: 'catching_up',
        liveAudioSec: 20,
      }),
    );
    await act(async () => {
      answer(ok({ ...IDLE, phase: 'finishing', id: 'rec-3', elapsedSec: 40, live: 'on' }));
      await stopping;
    });
    expect(screen.getByText(/Transcribing the last 20 s of the recording…/u)).toBeTruthy();
    off();
  });

  it('a recording started while the previous one is still transcribed: said before the start and while it waits', async () => {
    const fake = api();
    render(<RecorderPanel />);
    const off = useRecordingStore.getState().listen();
    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'finishing',
        id: 'rec-4',
        elapsedSec: 300,
        live: 'catching_up',
        liveAudioSec: 120,
      }),
    );
    // starting stays possible, and the view says what it means for the new recording's live text
    expect(screen.getByRole('button', { name: 'Start recording' }).hasAttribute('disabled')).toBe(false);
    expect(screen.getByTestId('start-waits').textContent).toMatch(
      /live text starts once this one is transcribed/u,
    );

    const waits = 'Live text starts once the previous recording is transcribed.';
    act(() =>
      fake.emit('recording:status', {
        ...IDLE,
        phase: 'recording',
        id: 'rec-5',
        elapsedSec: 60,
        live: 'on',
        liveNote: waits,
      }),
    );
    expect(screen.queryByTestId('start-waits')).toBeNull();
    expect(screen.getByText(waits)).toBeTruthy();
    // 60 s without text is the wait, not a slow computer
    expect(screen.queryByTestId('live-behind')).toBeNull();
    expect(screen.getByText('No live text for now: see the note above.')).toBeTruthy();
    off();
  });

  it('the global shortcut stops a running recording', async () => {
    const calls: unknown[] = [];
    const fake = api({
      'recording:stop': (p) => {
        calls.push(p);
        return ok({ ...IDLE, phase: 'finishing', id: 'rec-2' });
      },
    });
    const off = useRecordingStore.getState().listen();
    act(() => fake.emit('recording:status', { ...IDLE, phase: 'recording', id: 'rec-2' }));
    await act(async () => fake.emit('recording:shortcut', { action: 'toggle' }));
    await waitFor(() => expect(calls).toEqual([{ id: 'rec-2' }]));
    expect(useRecordingStore.getState().status.phase).toBe('finishing');
    off();
  });
});

describe('recovered recordings', () => {
  it('are offered with their length; transcribing one sends the decision to main and removes it', async () => {
    const decisions: unknown[] = [];
    api({
      'recording:recovered': () =>
        ok({
          recordings: [
            {
              id: 'r-1',
              title: 'Board call',
              startedAt: 1_700_000_000_000,
              durationSec: 1834.2,
              channels: 2,
            },
          ],
        }),
      'recording:resolveRecovered': (p) => {
        decisions.push(p);
        return ok({ recordings: [] });
      },
    });
    render(<RecoveredPrompt />);
    await act(() => useRecordingStore.getState().init());
    const region = screen.getByRole('region', { name: 'An unfinished recording was saved' });
    expect(region.textContent).toMatch(/Board call/u);
    expect(region.textContent).toMatch(/0:30:34 · microphone \+ system audio/u);
    fireEvent.click(screen.getByRole('button', { name: 'Transcribe it' }));
    await waitFor(() => expect(screen.queryByRole('region')).toBeNull());
    expect(decisions).toEqual([{ id: 'r-1', action: 'transcribe' }]);
  });
});

describe('recorder formatting', () => {
  it('elapsed time, time left and the meter scale', () => {
    expect(formatElapsed(0)).toBe('0:00:00');
    expect(formatElapsed(3725.9)).toBe('1:02:05');
    expect(formatTimeLeft(599)).toBe('about 9 min');
    expect(formatTimeLeft(7500)).toBe('about 2 h 5 min');
    expect(levelPercent(0)).toBe(0);
    expect(levelPercent(1)).toBe(100);
    expect(levelPercent(0.001)).toBe(0); // -60 dB
    expect(levelPercent(0.0316)).toBe(50); // -30 dB
  });
});
