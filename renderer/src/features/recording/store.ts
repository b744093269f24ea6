import { create } from 'zustand';
import type { RecordingCapabilities, RecordingStatusPayload } from '@common/recording-schema';
import { describeError, invoke, on } from '../../ipc';
import { listInputs, startCapture, type Capture, type SystemSource } from './capture';

export interface InputDevice {
  id: string;
  label: string;
}

export type Recovered = Awaited<ReturnType<typeof invoke<'recording:recovered'>>>['recordings'][number];

/** 'none', 'loopback' (Windows/macOS) or a monitor input's device id (Linux). */
export type SystemChoice = string;

interface RecordingState {
  caps: RecordingCapabilities | null;
  mics: InputDevice[];
  monitors: InputDevice[];
  /** null = the system default microphone. */
  micId: string | null;
  system: SystemChoice;
  status: RecordingStatusPayload;
  /** Peak per channel, 0..1, about 20 times a second while capturing. */
  level: number[];
  busy: boolean;
  /** The remembered microphone is not connected: the default one is used (said once in the UI). */
  micMissing: boolean;
  error: { message: string; hint?: string } | null;
  recovered: Recovered[];
  init: () => Promise<void>;
  refreshDevices: () => Promise<void>;
  chooseMic: (id: string | null) => void;
  chooseSystem: (choice: SystemChoice) => void;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  pause: () => Promise<void>;
  resume: () => Promise<void>;
  /** The global shortcut: start when idle, stop when recording. */
  toggle: () => Promise<void>;
  resolveRecovered: (id: string, action: 'transcribe' | 'discard') => Promise<void>;
  dismissError: () => void;
  listen: () => () => void;
}

export const MIC_KEY = 'rotorscribe.recording.mic';

/** What the window shows before main has said anything of a recording. */
export const IDLE_STATUS: RecordingStatusPayload = {
  phase: 'idle',
  elapsedSec: 0,
  bytes: 0,
  channels: 1,
  disk: { level: 'ok', secondsLeft: 0 },
  live: 'off',
  missedChunks: 0,
};

function remembered(): string | null {
  try {
    return localStorage.getItem(MIC_KEY);
  } catch {
    return null;
  }
}

function remember(id: string | null): void {
  try {
    if (id) localStorage.setItem(MIC_KEY, id);
    else localStorage.removeItem(MIC_KEY);
  } catch {
    // storage unavailable: the choice lasts for this session only
  }
}

let capture: Capture | null = null;
/** The recording the capture feeds, once main has answered its start. */
let captureId: string | null = null;
/**
 * The recording this window started last: main's news of another one (the previous recording catching up, then
 * saved, while a new one records) is not what the window shows, and must not stop the new one's capture.
 */
let followId: string | null = null;
/**
 * recording:status events seen: an answer to stop/pause/resume that arrives after a newer event is older than what
 * the window shows (main publishes 'catching up' while the stop call is still answering) and must not replace it.
 */
let statusEvents = 0;

export const isCapturing = (phase: RecordingStatusPayload['phase']): boolean =>
  phase === 'recording' || phase === 'paused';

function systemSource(choice: SystemChoice): SystemSource {
  if (choice === 'none') return { kind: 'none' };
  if (choice === 'loopback') return { kind: 'loopback' };
  return { kind: 'monitor', deviceId: choice };
}

/** The recorder: devices, the capture in this window, and main's view of the recording. */
export const useRecordingStore = create<RecordingState>()((set, get) => ({
  caps: null,
  mics: [],
  monitors: [],
  micId: remembered(),
  system: 'none',
  status: IDLE_STATUS,
  level: [],
  busy: false,
  micMissing: false,
  error: null,
  recovered: [],

  async init() {
    try {
      const [caps, status, recovered] = await Promise.all([
        invoke('recording:capabilities'),
        invoke('recording:status'),
        invoke('recording:recovered'),
      ]);
      set({ caps, status, recovered: recovered.recordings });
    } catch (error) {
      set({ error: describeError(error) });
    }
    await get().refreshDevices();
  },

  async refreshDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const { mics, monitors } = await listInputs();
    const toInput = (d: MediaDeviceInfo, i: number): InputDevice => ({
      id: d.deviceId,
      label: d.label || `Microphone ${i + 1}`,
    });
    const micList = mics.filter((d) => d.deviceId !== 'default' && d.deviceId !== '').map(toInput);
    const wanted = remembered();
    // A remembered device that is gone: use the default now, keep the memory for when it comes back.
    const micMissing = wanted !== null && micList.length > 0 && !micList.some((m) => m.id === wanted);
    const { system } = get();
    const monitorList = monitors.map(toInput);
    const systemGone =
      system !== 'none' && system !== 'loopback' && !monitorList.some((m) => m.id === system);
    set({
      mics: micList,
      monitors: monitorList,
      micId: micMissing ? null : wanted,
      micMissing,
      ...(systemGone ? { system: 'none' } : {}),
    });
  },

  chooseMic(id) {
    remember(id);
    set({ micId: id, micMissing: false });
  },

  chooseSystem(choice) {
    set({ system: choice });
  },

  async start() {
    if (get().busy || isCapturing(get().status.phase)) return;
    set({ busy: true, error: null, level: [] });
    followId = null;
    try {
      capture = await startCapture({
        micId: get().micId,
        system: systemSource(get().system),
        onLevel: (peaks) => set({ level: peaks }),
        onEnded: () => void get().stop(),
      });
      const status = await invoke('recording:start', {
        sampleRate: capture.sampleRate,
        channels: capture.channels,
        channelNames: capture.channelNames,
      });
      capture.connect(status.id!);
      captureId = followId = status.id ?? null;
      set({ status });
      // Labels appear once permission is granted: list the devices again.
      void get().refreshDevices();
    } catch (error) {
      await capture?.stop().catch(() => undefined);
      capture = null;
      captureId = null;
      set({ error: describeError(error) });
    } finally {
      set({ busy: false });
    }
  },

  async stop() {
    const { status } = get();
    if (!status.id || !isCapturing(status.phase) || get().busy) return;
    set({ busy: true });
    try {
      await capture?.stop();
      capture = null;
      captureId = null;
      const seen = statusEvents;
      const answer = await invoke('recording:stop', { id: status.id });
      set(statusEvents === seen ? { status: answer, level: [] } : { level: [] });
    } catch (error) {
      set({ error: describeError(error) });
    } finally {
      set({ busy: false });
    }
  },

  async pause() {
    const { status } = get();
    if (!status.id || status.phase !== 'recording') return;
    capture?.pause();
    try {
      const seen = statusEvents;
      const answer = await invoke('recording:pause', { id: status.id });
      if (statusEvents === seen) set({ status: answer });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },

  async resume() {
    const { status } = get();
    if (!status.id || status.phase !== 'paused') return;
    capture?.resume();
    try {
      const seen = statusEvents;
      const answer = await invoke('recording:resume', { id: status.id });
      if (statusEvents === seen) set({ status: answer });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },

  async toggle() {
    if (isCapturing(get().status.phase)) await get().stop();
    else await get().start();
  },

  async resolveRecovered(id, action) {
    try {
      const { recordings } = await invoke('recording:resolveRecovered', { id, action });
      set({ recovered: recordings });
    } catch (error) {
      set({ error: describeError(error) });
    }
  },

  dismissError: () => set({ error: null }),

  listen() {
    const offs = [
      on('recording:status', (status) => {
        if (followId !== null && status.id !== undefined && status.id !== followId) return;
        statusEvents++;
        set({ status });
        // Main stopped it (disk full, window input lost): release the devices here too. Only this recording's
        // stop: the previous one's 'saved', arriving while a new one starts or records, stopped the new capture.
        if (!isCapturing(status.phase) && capture && status.id === captureId) {
          const c = capture;
          capture = null;
          captureId = null;
          void c.stop();
          set({ level: [] });
        }
      }),
      on('recording:shortcut', () => void get().toggle()),
    ];
    const onDeviceChange = (): void => void get().refreshDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', onDeviceChange);
    return () => {
      offs.forEach((off) => off());
      navigator.mediaDevices?.removeEventListener?.('devicechange', onDeviceChange);
    };
  },
}));

/** Tests: back to the first state (the capture, if any, is dropped). */
export function resetRecordingStore(): void {
  capture = null;
  captureId = null;
  followId = null;
  useRecordingStore.setState({
    caps: null,
    mics: [],
    monitors: [],
    micId: null,
    system: 'none',
    status: IDLE_STATUS,
    level: [],
    busy: false,
    micMissing: false,
    error: null,
    recovered: [],
  });
}
