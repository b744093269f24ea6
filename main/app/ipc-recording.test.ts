/** The recording channels: payload checks in main, what reaches the recording service, and what comes back. */
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import type { EngineHost } from '../engine/host/engine-host';
import type { RecordingStatus } from '../recording/service';
import { createFileRegistry } from './file-registry';
import { registerIpc, type IpcDeps, type IpcMainLike, type RecordingIpc } from './ipc';
import { createSenderGuard, type InvokeEventLike } from './security';
import type { SettingsStore } from './settings-store';

const ORIGIN = 'http://127.0.0.1:5173';
const ours: InvokeEventLike = { senderFrame: { url: `${ORIGIN}/index.html`, parent: null } };
const frame: InvokeEventLike = { senderFrame: { url: `${ORIGIN}/index.html`, parent: {} } };
type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

const STATUS: RecordingStatus = {
  phase: 'recording',
  id: 'rec-1',
  title: 'Standup',
  elapsedSec: 1,
  bytes: 96_000,
  channels: 2,
  disk: { level: 'ok', secondsLeft: 9000 },
  live: 'on',
  missedChunks: 0,
};

function setup() {
  const calls: [string, unknown][] = [];
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const unused = (): never => {
    throw new Error('not used here');
  };
  const recording: RecordingIpc = {
    capabilities: () => ({ systemAudio: 'monitor', systemAudioNote: 'Pick a monitor.', shortcut: null }),
    start: async (r) => (calls.push(['start', r]), STATUS),
    pause: (id) => (calls.push(['pause', id]), { ...STATUS, phase: 'paused' }),
    resume: (id) => (calls.push(['resume', id]), STATUS),
    stop: async (id) => {
      calls.push(['stop', id]);
      if (id !== 'rec-1') throw new RotorError('RECORDING_NOT_FOUND');
      return { ...STATUS, phase: 'finishing' };
    },
    status: () => STATUS,
    recovered: async () => [],
    resolveRecovered: async (id, action) => (calls.push(['resolve', [id, action]]), []),
  };
  const deps: IpcDeps = {
    isTrustedSender: createSenderGuard({ trustedOrigins: [ORIGIN] }),
    appInfo: unused,
    engine: { request: unused as unknown as EngineHost['request'] },
    settings: {} as SettingsStore,
    files: createFileRegistry(),
    showOpenAudioDialog: unused,
    recording,
  };
  registerIpc(ipcMain, deps);
  const invoke = (channel: string, payload?: unknown, event = ours) => handlers.get(channel)!(event, payload);
  return { invoke, calls };
}

describe('recording channels', () => {
  it('route to the recording service and answer its status', async () => {
    const { invoke, calls } = setup();
    expect(await invoke('recording:capabilities')).toMatchObject({
      ok: true,
      value: { systemAudio: 'monitor' },
    });
    expect(await invoke('recording:status')).toEqual({ ok: true, value: STATUS });
    const start = { sampleRate: 48_000, channels: 2, channelNames: ['Microphone', 'System audio'] };
    expect(await invoke('recording:start', start)).toEqual({ ok: true, value: STATUS });
    expect(await invoke('recording:pause', { id: 'rec-1' })).toMatchObject({ value: { phase: 'paused' } });
    expect(await invoke('recording:resume', { id: 'rec-1' })).toMatchObject({ ok: true });
    expect(await invoke('recording:stop', { id: 'rec-1' })).toMatchObject({ value: { phase: 'finishing' } });
    expect(await invoke('recording:resolveRecovered', { id: 'r-9', action: 'discard' })).toEqual({
      ok: true,
      value: { recordings: [] },
    });
    expect(calls).toEqual([
      ['start', start],
      ['pause', 'rec-1'],
      ['resume', 'rec-1'],
      ['stop', 'rec-1'],
      ['resolve', ['r-9', 'discard']],
    ]);
  });

  it('refuse malformed payloads and other frames before the service sees them; service errors come back typed', async () => {
    const { invoke, calls } = setup();
    const bad: [string, unknown][] = [
      ['recording:start', { sampleRate: 48_000, channels: 3, channelNames: [] }],
      ['recording:start', { sampleRate: 1000, channels: 1, channelNames: [] }],
      ['recording:start', { sampleRate: 48_000, channels: 1, channelNames: ['a', 'b', 'c'] }],
      ['recording:start', { sampleRate: 48_000, channels: 1, channelNames: [], path: '/etc/passwd' }],
      ['recording:pause', {}],
      ['recording:stop', { id: '' }],
      ['recording:resolveRecovered', { id: 'r-1', action: 'delete-everything' }],
    ];
    for (const [channel, payload] of bad) {
      expect(await invoke(channel, payload), `${channel} ${JSON.stringify(payload)}`).toMatchObject({
        ok: false,
        error: { code: 'IPC_INVALID_PAYLOAD' },
      });
    }
    expect(await invoke('recording:stop', { id: 'rec-1' }, frame)).toMatchObject({
      error: { code: 'IPC_FORBIDDEN_SENDER' },
    });
    expect(calls).toEqual([]);
    expect(await invoke('recording:stop', { id: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'RECORDING_NOT_FOUND' },
    });
  });
});
