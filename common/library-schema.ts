/**
 * What the window sees of the job queue and the library: schemas for the IPC contract, and the types main's database
 * layer returns (main/library/db re-exports them). No paths anywhere here: files are named, never located.
 */
import * as v from 'valibot';
import { errorPayloadSchema as errorPayload } from './error-schema';
import { empty, list, num, object, str, type TypeEqual } from './schema';
import type { Segment, SegmentFlag, Transcript } from './transcript';

const id = str({ min: 1, max: 100 });
const seconds = num({ min: 0, max: 1e7 });
const epochMs = num({ min: 0 });

// ---------------------------------------------------------------------------------------------------------------
// Queue

export const JOB_STATES = ['queued', 'probing', 'running', 'paused', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * What a job does before its first window is done, in the order the engine goes through it (the first window of a
 * long meeting can take minutes on a laptop; without these the queue could only list every step at once):
 * loading the model (the load's fraction when the runtime reports one), reading the recording (probe, checkpoint
 * log, the speech detector), finding speech (decode + VAD up to the first window: audio read so far), and the first
 * window being transcribed (its bounds). A resumed job's restored windows count as done: it skips the last one.
 */
export const JOB_STAGES = ['loading_model', 'reading_audio', 'finding_speech', 'first_window'] as const;
export type JobStageName = (typeof JOB_STAGES)[number];

export const jobStageSchema = v.variant('name', [
  object({ name: v.literal('loading_model'), fraction: v.nullable(num({ min: 0, max: 1 })) }),
  object({ name: v.literal('reading_audio') }),
  object({ name: v.literal('finding_speech'), audioSecRead: seconds }),
  object({ name: v.literal('first_window'), startSec: seconds, endSec: seconds }),
]);
export type JobStage = v.InferOutput<typeof jobStageSchema>;

export const jobProgressSchema = object({
  windowsDone: num({ min: 0, integer: true }),
  windowsTotal: num({ min: 0, integer: true }),
  audioSecDone: seconds,
  durationSec: v.nullable(seconds),
  /** Audio seconds per wall-clock second ("12.3x real time"). */
  speed: v.nullable(num({ min: 0 })),
  etaSec: v.nullable(num({ min: 0 })),
  /** Until the first window is done: the step the running job is in (main keeps it in memory, not in the queue). */
  stage: v.optional(jobStageSchema),
});
export type JobProgress = v.InferOutput<typeof jobProgressSchema>;

/** 'file': a recording transcribed whole. 'retranscribe': part of an existing transcript transcribed again. */
export const JOB_KINDS = ['file', 'retranscribe'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** A stretch of a recording, in seconds from its start. */
export const timeRangeSchema = object({ startSec: seconds, endSec: seconds });
export type TimeRange = v.InferOutput<typeof timeRangeSchema>;

export const queueJobSchema = object({
  id,
  /** The file's name; for a re-transcription, the title of the transcript it rewrites. */
  displayName: str({ max: 1000 }),
  kind: v.picklist(JOB_KINDS),
  /** A re-transcription's range ("Re-transcribe 03:12–04:05 of <displayName>"). */
  range: v.optional(timeRangeSchema),
  sizeBytes: v.nullable(num({ min: 0, integer: true })),
  state: v.picklist(JOB_STATES),
  /** 0-based place in the queue. */
  position: num({ min: 0, integer: true }),
  error: v.nullable(errorPayload),
  progress: v.nullable(jobProgressSchema),
  /** Set when the job is done: the library entry it produced (a re-transcription: the one it rewrote). */
  transcriptId: v.nullable(id),
  createdAt: epochMs,
  updatedAt: epochMs,
});
export type QueueJob = v.InferOutput<typeof queueJobSchema>;

/** Whether jobs can run at all, and what to do when they cannot (the empty state). */
export const queueStatusSchema = object({
  ready: v.boolean(),
  reason: v.optional(v.picklist(['no_model', 'model_not_found', 'engine_failed'])),
  message: v.optional(str({ max: 2000 })),
  hint: v.optional(str({ max: 2000 })),
  /** What runs the jobs, in words ("Voxtral-Mini Q4_K_M, iso3 cache", "test engine"). */
  engine: v.optional(str({ max: 500 })),
});
export type QueueStatus = v.InferOutput<typeof queueStatusSchema>;

export const queueSnapshotSchema = object({
  jobs: list(queueJobSchema, { max: 10_000 }),
  status: queueStatusSchema,
});
export type QueueSnapshot = v.InferOutput<typeof queueSnapshotSchema>;

export const QUEUE_ACTIONS = ['pause', 'resume', 'cancel', 'retry', 'remove'] as const;
export type QueueAction = (typeof QUEUE_ACTIONS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Transcripts

const SEGMENT_FLAGS = ['loop', 'max_tokens', 'retried', 'hard_cut'] as const;
const _flagsMatch: TypeEqual<(typeof SEGMENT_FLAGS)[number], SegmentFlag> = true;

export const segmentSchema = object({
  id,
  startSec: seconds,
  endSec: seconds,
  text: str({ max: 100_000 }),
  windowId: str({ max: 100 }),
  flags: v.optional(list(v.picklist(SEGMENT_FLAGS), { max: 8 })),
  attempts: v.optional(num({ min: 1, max: 100, integer: true })),
  language: v.optional(str({ max: 16 })),
  speaker: v.optional(str({ max: 200 })),
});
const _segmentMatches: TypeEqual<v.InferOutput<typeof segmentSchema>, Segment> = true;

export const MAX_SEGMENTS = 100_000;
const segments = list(segmentSchema, { max: MAX_SEGMENTS });

export const transcriptSchema = object({
  version: v.literal(1),
  meta: object({
    title: str({ max: 1000 }),
    source: object({ name: str({ max: 1000 }), durationSec: v.nullable(seconds) }),
    language: v.optional(str({ max: 16 })),
    engine: v.optional(
      object({
        model: v.optional(str({ max: 1000 })),
        kvK: v.optional(str({ max: 50 })),
        kvV: v.optional(str({ max: 50 })),
      }),
    ),
  }),
  segments,
});
const _transcriptMatches: TypeEqual<v.InferOutput<typeof transcriptSchema>, Transcript> = true;

export const transcriptSummarySchema = object({
  id,
  title: str({ max: 1000 }),
  createdAt: epochMs,
  updatedAt: epochMs,
  durationSec: v.nullable(seconds),
  language: v.nullable(str({ max: 16 })),
  /** File name of the recording, without folders. */
  sourceName: str({ max: 1000 }),
  model: v.nullable(str({ max: 1000 })),
  kvK: v.nullable(str({ max: 50 })),
  kvV: v.nullable(str({ max: 50 })),
  /** Measured audio seconds per wall-clock second, when known. */
  speed: v.nullable(num({ min: 0 })),
  /** Segments with at least one flag. */
  flagsCount: num({ min: 0, integer: true }),
  segmentCount: num({ min: 0, integer: true }),
});
export type TranscriptSummary = v.InferOutput<typeof transcriptSummarySchema>;

export const storedTranscriptSchema = object({
  summary: transcriptSummarySchema,
  transcript: transcriptSchema,
});
export type StoredTranscript = v.InferOutput<typeof storedTranscriptSchema>;

export const snippetPartSchema = object({ text: str({ max: 10_000 }), hit: v.boolean() });
export type SnippetPart = v.InferOutput<typeof snippetPartSchema>;

export const searchHitSchema = object({
  transcriptId: id,
  title: str({ max: 1000 }),
  segmentId: id,
  startSec: seconds,
  endSec: seconds,
  snippet: list(snippetPartSchema, { max: 200 }),
});
export type SearchHit = v.InferOutput<typeof searchHitSchema>;

export const LIST_SORTS = ['created', 'updated', 'title', 'duration'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

export const EXPORT_FORMATS = ['txt', 'srt', 'vtt', 'json', 'md', 'docx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Channel payloads

export const LIBRARY_SCHEMAS = {
  'queue:get': { request: empty, response: queueSnapshotSchema },
  /** Files and folders picked or dropped earlier (their tokens); folders expand to the media files inside. */
  'queue:add': {
    request: object({ tokens: list(str({ min: 8, max: 100 }), { max: 1000 }) }),
    response: queueSnapshotSchema,
  },
  'queue:control': {
    request: object({ id, action: v.picklist(QUEUE_ACTIONS) }),
    response: queueSnapshotSchema,
  },
  'queue:move': {
    request: object({ id, index: num({ min: 0, max: 100_000, integer: true }) }),
    response: queueSnapshotSchema,
  },
  'library:list': {
    request: object({
      sort: v.optional(v.picklist(LIST_SORTS)),
      direction: v.optional(v.picklist(['asc', 'desc'])),
      offset: v.optional(num({ min: 0, integer: true })),
      limit: v.optional(num({ min: 1, max: 500, integer: true })),
    }),
    response: object({
      items: list(transcriptSummarySchema, { max: 500 }),
      total: num({ min: 0, integer: true }),
    }),
  },
  'library:get': { request: object({ id }), response: storedTranscriptSchema },
  'library:rename': {
    request: object({ id, title: str({ min: 1, max: 1000 }) }),
    response: transcriptSummarySchema,
  },
  /** Soft delete: `library:restore` undoes it (deleted transcripts are purged after a grace period). */
  'library:delete': { request: object({ id }), response: object({}) },
  'library:restore': { request: object({ id }), response: transcriptSummarySchema },
  'library:search': {
    request: object({
      query: str({ max: 500 }),
      limit: v.optional(num({ min: 1, max: 200, integer: true })),
    }),
    response: object({ hits: list(searchHitSchema, { max: 200 }) }),
  },
  /** The editor's autosave: every segment, replaced in one transaction. */
  'library:saveSegments': { request: object({ id, segments }), response: transcriptSummarySchema },
  /**
   * Queues a re-transcription of part of a transcript's recording; once it is done, the segments overlapping the
   * range are replaced by the new ones and `library:changed {id}` is sent. Answers the queued job.
   */
  'library:retranscribe': {
    request: v.pipe(
      object({ id, startSec: seconds, endSec: seconds }),
      v.check((r) => r.endSec > r.startSec, 'endSec must be after startSec'),
    ),
    response: object({ job: queueJobSchema }),
  },
  /** Asks main to show a save dialog and write the export there; answers the chosen file's name only. */
  'library:export': {
    request: object({ id, format: v.picklist(EXPORT_FORMATS) }),
    response: object({ saved: v.boolean(), name: v.optional(str({ max: 1000 })) }),
  },
  /** An opaque URL that plays the transcript's source recording (Range requests supported). */
  'library:mediaUrl': {
    request: object({ id }),
    response: object({ url: v.nullable(str({ max: 500 })), reason: v.optional(str({ max: 500 })) }),
  },
} as const;

/** One decoded window of a running job: live text. */
export const jobWindowEventSchema = object({
  jobId: id,
  windowId: str({ max: 100 }),
  index: num({ min: 0, integer: true }),
  startSec: seconds,
  endSec: seconds,
  text: str({ max: 100_000 }),
  status: v.picklist(['restored', 'done', 'flagged']),
  flags: list(str({ max: 50 }), { max: 8 }),
});
export type JobWindowEvent = v.InferOutput<typeof jobWindowEventSchema>;

export const LIBRARY_EVENTS = {
  'queue:changed': queueSnapshotSchema,
  'job:window': jobWindowEventSchema,
  /** A transcript was added, renamed, edited or deleted: lists refresh. */
  'library:changed': object({ id: v.optional(id) }),
} as const;
