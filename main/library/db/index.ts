import { openLibraryDatabase, type LibraryDatabase, type OpenOptions } from './open';
import { createJobQueue, type JobQueue } from './jobs';
import { createLibrary, type Library } from './transcripts';

export interface LibraryStore {
  readonly database: LibraryDatabase;
  readonly library: Library;
  readonly queue: JobQueue;
  close(): void;
}

/**
 * Opens the one database file of the app (userData/library.sqlite, chosen by main) and returns the transcript library
 * and the job queue over it. Throws LIBRARY_NEWER_VERSION / LIBRARY_CORRUPT (file untouched) as `openLibraryDatabase`.
 */
export function openLibraryStore(
  filePath: string,
  options: OpenOptions & { now?: () => number } = {},
): LibraryStore {
  const database = openLibraryDatabase(filePath, options);
  return {
    database,
    library: createLibrary(database.db, options.now),
    queue: createJobQueue(database.db, options.now),
    close: () => database.close(),
  };
}

export { moveAside, openLibraryDatabase, LATEST_VERSION } from './open';
export type { LibraryDatabase, OpenOptions } from './open';
export type {
  Library,
  ListOptions,
  ListPage,
  ListSort,
  SaveTranscriptInput,
  SearchHit,
  SearchOptions,
  StoredTranscript,
  TranscriptSummary,
} from './transcripts';
export { PURGE_GRACE_MS } from './transcripts';
export type { EnqueueInput, JobProgress, JobQueue, JobRecord, QueueJob, StateChange } from './jobs';
export type { JobState } from './job-states';
export { JOB_STATES } from './job-states';
export type { SnippetPart } from './snippet';
