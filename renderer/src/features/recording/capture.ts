/**
 * Audio capture in the window: microphone (and optionally system audio) → Web Audio graph at the device's native
 * rate → the capture worklet → a MessagePort whose other end the preload hands to main. Browser APIs only; the
 * store decides what to open.
 */
import { RECORDING_PORT_MESSAGE } from '@common/ipc-channels';
import { RotorError } from '@common/errors';
import workletUrl from './capture-worklet?worker&url';

export type SystemSource = { kind: 'none' } | { kind: 'monitor'; deviceId: string } | { kind: 'loopback' };

export interface CaptureOptions {
  micId: string | null;
  system: SystemSource;
  onLevel: (peaks: number[]) => void;
  /** A device went away mid-recording (unplugged, permission revoked). */
  onEnded: () => void;
}

export interface Capture {
  sampleRate: number;
  channels: 1 | 2;
  channelNames: string[];
  /** Sends the audio to main for recording `id` (the port travels through the preload). */
  connect(id: string): void;
  pause(): void;
  resume(): void;
  /** Flushes the last chunk and releases the devices. */
  stop(): Promise<void>;
}

/** Raw speech for the transcriber: no echo cancellation or noise gate reshaping the signal. */
function audioConstraints(deviceId: string | null): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
  };
}

function inputError(error: unknown, what: string): RotorError {
  const name = (error as { name?: string } | null)?.name ?? '';
  const hint =
    name === 'NotAllowedError'
      ? 'Allow RotorScribe to use the microphone in your system settings, then try again.'
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? 'The chosen device is not connected any more: pick another one.'
        : 'Check that the device is connected and not used exclusively by another app.';
  return new RotorError('RECORDING_INPUT', `The ${what} could not be opened.`, { hint, detail: name });
}

async function openSystem(system: SystemSource): Promise<MediaStream | null> {
  if (system.kind === 'none') return null;
  try {
    if (system.kind === 'monitor')
      return await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(system.deviceId) });
    // Loopback comes with the screen-capture request (main answers it with audio: 'loopback'); the video is unused.
    const stream = await navigator.mediaDevices.getDisplayMedia({ audio: true, video: true });
    for (const t of stream.getVideoTracks()) t.stop();
    if (stream.getAudioTracks().length === 0)
      throw Object.assign(new Error('no audio'), { name: 'NotFoundError' });
    return stream;
  } catch (error) {
    throw inputError(error, 'system audio');
  }
}

export async function startCapture(options: CaptureOptions): Promise<Capture> {
  let mic: MediaStream;
  try {
    mic = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(options.micId) });
  } catch (error) {
    throw inputError(error, 'microphone');
  }
  let system: MediaStream | null;
  try {
    system = await openSystem(options.system);
  } catch (error) {
    mic.getTracks().forEach((t) => t.stop());
    throw error;
  }
  const streams = system ? [mic, system] : [mic];
  for (const s of streams)
    for (const t of s.getAudioTracks()) t.addEventListener('ended', () => options.onEnded());
  // No sampleRate option: the context runs at the output device's native rate, so nothing is resampled here.
  const context = new AudioContext({ latencyHint: 'playback' });
  try {
    await context.audioWorklet.addModule(workletUrl);
  } catch (error) {
    streams.forEach((s) => s.getTracks().forEach((t) => t.stop()));
    await context.close();
    throw new RotorError('RECORDING_INPUT', 'Audio capture could not start.', { detail: String(error) });
  }
  const channels = streams.length as 1 | 2;
  const node = new AudioWorkletNode(context, 'rotorscribe-capture', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCount: channels,
    channelCountMode: 'explicit',
    channelInterpretation: 'discrete',
  });
  const merger = context.createChannelMerger(channels);
  streams.forEach((stream, i) => {
    // Each source as one channel (a stereo mic is averaged), mic first: channel 0 = you, 1 = the others.
    const mono = new GainNode(context, {
      channelCount: 1,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
    });
    context.createMediaStreamSource(stream).connect(mono);
    mono.connect(merger, 0, i);
  });
  merger.connect(node);
  // A node must reach the destination to be processed; it outputs silence.
  const mute = new GainNode(context, { gain: 0 });
  node.connect(mute).connect(context.destination);
  node.port.onmessage = (event: MessageEvent<{ type: string; peaks: number[] }>) => {
    if (event.data.type === 'level') options.onLevel(event.data.peaks);
  };
  if (context.state === 'suspended') await context.resume();

  return {
    sampleRate: context.sampleRate,
    channels,
    channelNames: system ? ['Microphone', 'System audio'] : ['Microphone'],
    connect(id) {
      const channel = new MessageChannel();
      node.port.postMessage({ type: 'port', port: channel.port1 }, [channel.port1]);
      window.postMessage({ type: RECORDING_PORT_MESSAGE, id }, window.location.origin, [channel.port2]);
    },
    pause: () => node.port.postMessage({ type: 'pause' }),
    resume: () => node.port.postMessage({ type: 'resume' }),
    async stop() {
      node.port.postMessage({ type: 'stop' });
      // The worklet's last chunk and its end marker leave on its next render quantum.
      await new Promise((r) => setTimeout(r, 150));
      streams.forEach((s) => s.getTracks().forEach((t) => t.stop()));
      await context.close();
    },
  };
}

/** Audio inputs, split into microphones and (Linux) PulseAudio/PipeWire monitors of an output. */
export async function listInputs(): Promise<{ mics: MediaDeviceInfo[]; monitors: MediaDeviceInfo[] }> {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
  const isMonitor = (d: MediaDeviceInfo): boolean => /^monitor of /iu.test(d.label);
  return { mics: devices.filter((d) => !isMonitor(d)), monitors: devices.filter(isMonitor) };
}
