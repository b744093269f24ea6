/**
 * What the window and main say about recordings (issue 22): schemas for the IPC contract; main/recording's status
 * types are checked against them. The audio itself never travels on these channels: it goes over a MessagePort
 * (RECORDING_PORT_CHANNEL in ipc-channels.ts) in chunks of interleaved Float32 frames.
 */
import * as v from 'valibot';
import { errorPayloadSchema as errorPayload } from './error-schema';
import { empty, list, num, object, str } from './schema';

const id = str({ min: 1, max: 100 });

export const RECORDING_PHASES = [
  'idle',
  'recording',
  'paused',
  'finishing',
  'saved',
  'queued',
  'failed',
] as const;
export const LIVE_STATES = ['on', 'off', 'catching_up', 'done'] as const;

export const recordingStatusSchema = object({
  phase: v.picklist(RECORDING_PHASES),
  id: v.optional(id),
  title: v.optional(str({ max: 500 })),
  elapsedSec: num({ min: 0 }),
  bytes: num({ min: 0, integer: true }),
  channels: num({ min: 1, max: 2, integer: true }),
  disk: object({ level: v.picklist(['ok', 'low', 'stop']), secondsLeft: num({ min: 0 }) }),
  live: v.picklist(LIVE_STATES),
  liveNote: v.optional(str({ max: 500 })),
  /** How far into the recording the live transcript has got (s). */
  liveAudioSec: v.optional(num({ min: 0 })),
  missedChunks: num({ min: 0, integer: true }),
  transcriptId: v.optional(id),
  error: v.optional(errorPayload),
});
export type RecordingStatusPayload = v.InferOutput<typeof recordingStatusSchema>;

export const recoveredRecordingSchema = object({
  id,
  title: str({ max: 500 }),
  startedAt: num({ min: 0 }),
  durationSec: num({ min: 0 }),
  channels: num({ min: 1, max: 2, integer: true }),
});
const recoveredList = object({ recordings: list(recoveredRecordingSchema, { max: 100 }) });

/**
 * How system audio (the other side of a call) can be captured here: 'loopback' through the screen-capture request
 * (Windows, macOS 13+), 'monitor' as a PulseAudio/PipeWire monitor input (Linux), or not at all.
 */
export const SYSTEM_AUDIO_MODES = ['loopback', 'monitor', 'unavailable'] as const;
export type SystemAudioMode = (typeof SYSTEM_AUDIO_MODES)[number];

const capabilities = object({
  systemAudio: v.picklist(SYSTEM_AUDIO_MODES),
  /** One sentence for the UI: how to use it, or why it is not there. */
  systemAudioNote: str({ max: 500 }),
  /** The global start/stop shortcut as shown to the user, or null when it could not be registered. */
  shortcut: v.nullable(str({ max: 100 })),
});
export type RecordingCapabilities = v.InferOutput<typeof capabilities>;

const idRequest = object({ id });

export const RECORDING_SCHEMAS = {
  'recording:capabilities': { request: empty, response: capabilities },
  /** Creates the file and the live job; the audio follows on the recording's MessagePort. */
  'recording:start': {
    request: object({
      sampleRate: num({ min: 8000, max: 192_000, integer: true }),
      channels: num({ min: 1, max: 2, integer: true }),
      channelNames: list(str({ max: 100 }), { max: 2 }),
      title: v.optional(str({ max: 500 })),
    }),
    response: recordingStatusSchema,
  },
  'recording:pause': { request: idRequest, response: recordingStatusSchema },
  'recording:resume': { request: idRequest, response: recordingStatusSchema },
  /** Seals the file; the transcript follows as recording:status events (finishing → saved / queued). */
  'recording:stop': { request: idRequest, response: recordingStatusSchema },
  'recording:status': { request: empty, response: recordingStatusSchema },
  /** Recordings interrupted by a crash, repaired and waiting for the user's decision. */
  'recording:recovered': { request: empty, response: recoveredList },
  'recording:resolveRecovered': {
    request: object({ id, action: v.picklist(['transcribe', 'discard']) }),
    response: recoveredList,
  },
} as const;

export const RECORDING_EVENTS = {
  'recording:status': recordingStatusSchema,
  /** The global shortcut was pressed: the window starts or stops (it owns the capture). */
  'recording:shortcut': object({ action: v.literal('toggle') }),
} as const;
