/**
 * A new recording started while the previous one still catches up: main keeps sending the previous one's status
 * (its countdown, then 'saved'). Those must neither stop the new recording's capture nor replace what the window
 * shows of it; the new recording's own stop (disk full, input lost) still releases the devices.
 */
import { act } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecordingStatusPayload } from '@common/recording-schema';
import { installFakeApi, removeFakeApi, resetStores } from '../../test-support';
import { IDLE_STATUS, resetRecordingStore, useRecordingStore } from './store';

const stopCapture = vi.fn(async () => undefined);
vi.mock('./capture', () => ({
  listInputs: async () => ({ mics: [], monitors: [] }),
  startCapture: async () => ({
    sampleRate: 48_000,
    channels: 1,
    channelNames: ['Mic'],
    connect: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    stop: stopCapture,
  }),
}));

const ok = <T>(value: T) => ({ ok: true as const, value });
const IDLE = IDLE_STATUS;
const previous = (phase: 'finishing' | 'saved'): RecordingStatusPayload => ({
  ...IDLE,
  phase,
  id: 'rec-a',
  elapsedSec: 300,
  live: phase === 'saved' ? 'done' : 'catching_up',
  liveAudioSec: 200,
  ...(phase === 'saved' ? { transcriptId: 't-a' } : {}),
});
const second: RecordingStatusPayload = { ...IDLE, phase: 'recording', id: 'rec-b', live: 'on' };

beforeEach(() => {
  resetStores();
  resetRecordingStore();
  stopCapture.mockClear();
});
afterEach(() => removeFakeApi());

describe('the recorder store with two recordings', () => {
  it("the previous recording's news neither stops the new capture nor replaces the new recording's status", async () => {
    const fake: ReturnType<typeof installFakeApi> = installFakeApi({
      'recording:capabilities': () => ok({ systemAudio: 'none', shortcut: 'Ctrl+Shift+R' }),
      'recording:start': () => {
        // main publishes the previous recording's countdown while the start is answered
        fake.emit('recording:status', previous('finishing'));
        return ok(second);
      },
    });
    const off = useRecordingStore.getState().listen();
    act(() => fake.emit('recording:status', previous('finishing')));
    await act(() => useRecordingStore.getState().start());
    expect(useRecordingStore.getState().status).toMatchObject({ id: 'rec-b', phase: 'recording' });
    act(() => fake.emit('recording:status', previous('finishing')));
    act(() => fake.emit('recording:status', previous('saved')));
    expect(stopCapture).not.toHaveBeenCalled();
    expect(useRecordingStore.getState().status).toMatchObject({ id: 'rec-b', phase: 'recording' });

    // the new recording's own news still counts: main stopped it (disk full), the devices are released
    act(() => fake.emit('recording:status', { ...second, elapsedSec: 5 }));
    expect(useRecordingStore.getState().status.elapsedSec).toBe(5);
    act(() => fake.emit('recording:status', { ...second, phase: 'finishing', live: 'catching_up' }));
    expect(stopCapture).toHaveBeenCalledTimes(1);
    off();
  });
});
