/**
 * Errors that cross process boundaries are plain values with a code the UI and the CLI can explain.
 * Every layer throws `RotorError`; every boundary (IPC, CLI, utility process) serialises it with `toErrorPayload`.
 */
export const ERROR_CODES = {
  // input files
  FILE_NOT_FOUND: 'The file does not exist or was moved.',
  FILE_EMPTY: 'The file is empty.',
  FILE_UNREADABLE: 'The file cannot be read (permissions or I/O error).',
  AUDIO_UNSUPPORTED: 'The file holds no audio stream that can be decoded.',
  AUDIO_CORRUPT: 'The audio is damaged beyond what can be decoded.',
  AUDIO_BAD_FORMAT: 'Audio must be 16 kHz mono float PCM at this point.',
  // models
  MODEL_NOT_FOUND: 'The model file does not exist.',
  MODEL_NOT_GGUF: 'The file is not a GGUF model.',
  MODEL_TRUNCATED: 'The model file is incomplete (truncated download?).',
  MODEL_WRONG_ARCH: 'The model is not a Voxtral model.',
  MODEL_MMPROJ_MISMATCH: 'The audio encoder (mmproj) does not belong to this model.',
  MODEL_TOKENIZER: 'The model tokenizer lacks the control tokens Voxtral needs.',
  MODEL_LOAD_FAILED: 'The model could not be loaded.',
  // model downloads (main/models)
  MODEL_UNKNOWN: 'This model is not in the catalog.',
  DOWNLOAD_NOT_FOUND: 'The model file is not on the download server.',
  DOWNLOAD_FAILED: 'The model download failed (network or server error).',
  DOWNLOAD_CHECKSUM_MISMATCH:
    'The downloaded file is damaged: its checksum does not match the published one.',
  DOWNLOAD_BUSY: 'Another model download is already running.',
  // runtime
  CONTEXT_TOO_LARGE: 'The requested context does not fit in memory.',
  CONTEXT_OVERFLOW: 'The audio window does not fit in the context (or too many windows for its sequences).',
  OUT_OF_MEMORY: 'Not enough memory for this configuration.',
  KV_TYPE_UNSUPPORTED: 'This KV cache type is not supported on this device.',
  CANCELLED: 'The job was cancelled.',
  ENGINE_CRASHED: 'The transcription engine stopped unexpectedly.',
  ENGINE_BUSY: 'The engine is busy with another request.',
  // storage
  DISK_FULL: 'The disk is full.',
  CHECKPOINT_CORRUPT: 'A saved checkpoint could not be read.',
  CHECKPOINT_MISMATCH: 'The saved job belongs to a different file or different settings.',
  OUTPUT_UNWRITABLE: 'The output folder cannot be written to.',
  OUTPUT_EXISTS: 'A transcript with this name already exists.',
  // library and job queue (SQLite)
  LIBRARY_NEWER_VERSION:
    'The library was saved by a newer version of RotorScribe and cannot be opened by this one.',
  LIBRARY_CORRUPT: 'The library file is damaged and cannot be read.',
  LIBRARY_BUSY: 'The library is locked by another RotorScribe window or process.',
  TRANSCRIPT_NOT_FOUND: 'The transcript does not exist or was deleted.',
  TRANSCRIPT_INVALID: 'The transcript data is not valid.',
  JOB_NOT_FOUND: 'The job is no longer in the queue.',
  JOB_INVALID_STATE: 'The job cannot do that in its current state.',
  MEDIA_UNAVAILABLE: 'The recording cannot be played.',
  // recording (issue 22)
  RECORDING_BUSY: 'A recording is already running.',
  RECORDING_NOT_FOUND: 'That recording is not running or no longer exists.',
  RECORDING_INPUT: 'The microphone or system audio could not be opened.',
  // features announced in the UI whose engine side is not there yet
  NOT_AVAILABLE_YET: 'This is not available yet.',
  // command line
  INVALID_ARGUMENT: 'A command-line option is missing or invalid.',
  // IPC
  IPC_FORBIDDEN_SENDER: 'The request did not come from a RotorScribe window.',
  IPC_INVALID_PAYLOAD: 'The request was malformed.',
  IPC_UNKNOWN_CHANNEL: 'Unknown request.',
  INTERNAL: 'An internal error occurred.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What to do about KV_TYPE_UNSUPPORTED, whichever device, op and type the message names. */
export const KV_TYPE_UNSUPPORTED_HINT =
  'Choose a cache type this device runs (for example q8_0, q4_0 or f16), or run the model on the CPU, which has kernels for every type.';

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** What the user can do about it, in one sentence. */
  hint?: string;
  detail?: string;
}

export class RotorError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { hint?: string; detail?: string; cause?: unknown } = {},
  ) {
    super(message ?? ERROR_CODES[code], { cause: options.cause });
    this.name = 'RotorError';
    this.code = code;
    this.hint = options.hint;
    this.detail = options.detail;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof RotorError) {
    const payload: ErrorPayload = { code: error.code, message: error.message };
    if (error.hint !== undefined) payload.hint = error.hint;
    if (error.detail !== undefined) payload.detail = error.detail;
    return payload;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}

export function fromErrorPayload(payload: ErrorPayload): RotorError {
  const options: { hint?: string; detail?: string } = {};
  if (payload.hint !== undefined) options.hint = payload.hint;
  if (payload.detail !== undefined) options.detail = payload.detail;
  return new RotorError(payload.code, payload.message, options);
}
