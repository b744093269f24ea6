/** Contract-shaped data for renderer tests: queue jobs, snapshots, library summaries, stored transcripts. */
import type { IpcResult } from '@common/ipc-contract';
import type {
  QueueJob,
  QueueSnapshot,
  QueueStatus,
  StoredTranscript,
  TranscriptSummary,
} from '@common/library-schema';
import type { Segment } from '@common/transcript';

export const ok = <T>(value: T): IpcResult<T> => ({ ok: true, value });

export function job(overrides: Partial<QueueJob> & Pick<QueueJob, 'id'>): QueueJob {
  return {
    displayName: `${overrides.id}.wav`,
    kind: 'file',
    sizeBytes: 1024 * 1024,
    state: 'queued',
    position: 0,
    error: null,
    progress: null,
    transcriptId: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function snapshot(jobs: QueueJob[] = [], status: QueueStatus = { ready: true }): QueueSnapshot {
  return { jobs, status };
}

export function summary(
  overrides: Partial<TranscriptSummary> & Pick<TranscriptSummary, 'id'>,
): TranscriptSummary {
  return {
    title: `Transcript ${overrides.id}`,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    durationSec: 125,
    language: 'en',
    sourceName: `${overrides.id}.m4a`,
    model: 'Voxtral-Mini-3B Q4_K_M',
    kvK: 'iso3',
    kvV: 'iso3',
    speed: 12.34,
    flagsCount: 0,
    segmentCount: 2,
    ...overrides,
  };
}

export const SEGMENTS: Segment[] = [
  { id: 's0', startSec: 0, endSec: 10, text: 'Good morning everyone.', windowId: 'w0' },
  { id: 's1', startSec: 10, endSec: 20, text: 'The budget is late again.', windowId: 'w1' },
  { id: 's2', startSec: 20, endSec: 30, text: 'Thanks, bye.', windowId: 'w2' },
];

export function stored(s: TranscriptSummary, segments: Segment[] = SEGMENTS): StoredTranscript {
  return {
    summary: s,
    transcript: {
      version: 1,
      meta: { title: s.title, source: { name: s.sourceName, durationSec: s.durationSec } },
      segments,
    },
  };
}

/** What an idle main answers when a test does not care: an empty ready queue and an empty library. */
export const IDLE_HANDLERS = {
  'queue:get': () => ok(snapshot()),
  'library:list': () => ok({ items: [], total: 0 }),
};
