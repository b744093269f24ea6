import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { RotorError, type ErrorPayload, isErrorCode } from '@common/errors';
import type { JobKind, JobProgress, QueueJob, TimeRange } from '@common/library-schema';
import { canMove, isJobState, isRemovable, isRetryable, type JobState } from './job-states';

export type { JobProgress, QueueJob };
import { num, optNum, optText, row, rows, text, type Row } from './rows';
import { guarded, inTransaction } from './transaction';

/** A queue entry with what only main may know. */
export interface JobRecord extends QueueJob {
  kind: JobKind;
  sourcePath: string;
  /** Checkpoint folder; resuming a job reuses it. */
  jobDir: string | null;
  /** A re-transcription: the transcript it rewrites (null once that one was purged). */
  targetTranscriptId: string | null;
}

export interface EnqueueInput {
  sourcePath: string;
  displayName: string;
  sizeBytes?: number | null;
  /** Default 'file'. A 'retranscribe' job needs `targetTranscriptId` and `range`. */
  kind?: JobKind;
  targetTranscriptId?: string;
  range?: TimeRange;
}

export interface StateChange {
  /** Required when moving to 'failed'; cleared on any other move. */
  error?: ErrorPayload;
  jobDir?: string;
  /** Required when moving to 'done'. */
  transcriptId?: string;
}

export interface JobQueue {
  /** Appends the files at the end, all or none. */
  enqueue(items: readonly EnqueueInput[]): JobRecord[];
  /** Every job, in queue order. */
  list(): QueueJob[];
  get(id: string): JobRecord;
  /** The first queued job in queue order, or null. */
  nextRunnable(): JobRecord | null;
  /** Throws JOB_INVALID_STATE for a move the state machine forbids (job-states.ts). */
  setState(id: string, state: JobState, change?: StateChange): JobRecord;
  /** One small UPDATE: cheap enough for several calls a second (throttle at the caller all the same). */
  setProgress(id: string, progress: JobProgress): void;
  setJobDir(id: string, jobDir: string): void;
  /** Moves the job to `index` (clamped) in queue order and renumbers the queue. */
  move(id: string, index: number): QueueJob[];
  /** Refused (JOB_INVALID_STATE) while the job is running or probing: cancel it first. */
  remove(id: string): void;
  /** failed/cancelled → queued, error cleared, checkpoint folder kept. */
  retry(id: string): JobRecord;
  /** At start-up: jobs a killed or quit app left running/probing go back to queued; returns them. */
  recoverAfterRestart(): JobRecord[];
  /** Removes the finished (done) jobs; returns how many. */
  clearDone(): number;
}

const COLUMNS = `id, source_path, display_name, size_bytes, state, position, error_code, error_message, error_hint,
  windows_done, windows_total, audio_sec_done, duration_sec, speed, eta_sec, job_dir, transcript_id, created_at,
  updated_at, kind, target_transcript_id, range_start_sec, range_end_sec`;

function notFound(id: string): RotorError {
  return new RotorError('JOB_NOT_FOUND', undefined, { detail: id });
}

function badState(id: string, from: JobState, action: string): RotorError {
  return new RotorError('JOB_INVALID_STATE', undefined, { detail: `${id}: ${action} while ${from}` });
}

function recordOf(r: Row, position: number): JobRecord {
  const state = text(r, 'state');
  if (!isJobState(state)) {
    throw new RotorError('LIBRARY_CORRUPT', 'The queue holds an unknown job state.', { detail: state });
  }
  const code = optText(r, 'error_code');
  let error: ErrorPayload | null = null;
  if (code !== undefined) {
    error = { code: isErrorCode(code) ? code : 'INTERNAL', message: optText(r, 'error_message') ?? '' };
    const hint = optText(r, 'error_hint');
    if (hint !== undefined) error.hint = hint;
  }
  const windowsTotal = optNum(r, 'windows_total');
  const kind = text(r, 'kind');
  if (kind !== 'file' && kind !== 'retranscribe') {
    throw new RotorError('LIBRARY_CORRUPT', 'The queue holds an unknown kind of job.', { detail: kind });
  }
  const rangeStart = optNum(r, 'range_start_sec');
  const rangeEnd = optNum(r, 'range_end_sec');
  return {
    id: text(r, 'id'),
    kind,
    ...(rangeStart !== undefined && rangeEnd !== undefined
      ? { range: { startSec: rangeStart, endSec: rangeEnd } }
      : {}),
    targetTranscriptId: optText(r, 'target_transcript_id') ?? null,
    sourcePath: text(r, 'source_path'),
    displayName: text(r, 'display_name'),
    sizeBytes: optNum(r, 'size_bytes') ?? null,
    state,
    position,
    error,
    progress:
      windowsTotal === undefined
        ? null
        : {
            windowsDone: optNum(r, 'windows_done') ?? 0,
            windowsTotal,
            audioSecDone: optNum(r, 'audio_sec_done') ?? 0,
            durationSec: optNum(r, 'duration_sec') ?? null,
            speed: optNum(r, 'speed') ?? null,
            etaSec: optNum(r, 'eta_sec') ?? null,
          },
    transcriptId: optText(r, 'transcript_id') ?? null,
    jobDir: optText(r, 'job_dir') ?? null,
    createdAt: num(r, 'created_at'),
    updatedAt: num(r, 'updated_at'),
  };
}

function publicOf(job: JobRecord): QueueJob {
  // Built field by field so a path never leaks through a spread.
  return {
    id: job.id,
    displayName: job.displayName,
    kind: job.kind,
    ...(job.range ? { range: { ...job.range } } : {}),
    sizeBytes: job.sizeBytes,
    state: job.state,
    position: job.position,
    error: job.error,
    progress: job.progress,
    transcriptId: job.transcriptId,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

/**
 * The persistent job queue. It lives in the library database so that a quit or a kill mid-job loses nothing: the
 * next start calls `recoverAfterRestart()` and the job resumes from its checkpoint folder.
 */
export function createJobQueue(db: DatabaseSync, now: () => number = Date.now): JobQueue {
  const st = {
    insert:
      db.prepare(`INSERT INTO jobs (id, source_path, display_name, size_bytes, state, position, created_at,
      updated_at, kind, target_transcript_id, range_start_sec, range_end_sec)
      VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`),
    maxPosition: db.prepare('SELECT coalesce(max(position), -1) AS p FROM jobs'),
    all: db.prepare(`SELECT ${COLUMNS} FROM jobs ORDER BY position`),
    // Positions are unique (enqueue appends after the maximum, move renumbers), so a job's place is a count.
    one: db.prepare(`SELECT ${COLUMNS}, (SELECT count(*) FROM jobs o WHERE o.position < j.position) AS place
      FROM jobs j WHERE id = ?`),
    next: db.prepare(`SELECT id FROM jobs WHERE state = 'queued' ORDER BY position LIMIT 1`),
    setState: db.prepare(`UPDATE jobs SET state = ?, error_code = ?, error_message = ?, error_hint = ?,
      job_dir = coalesce(?, job_dir), transcript_id = coalesce(?, transcript_id), updated_at = ? WHERE id = ?`),
    progress:
      db.prepare(`UPDATE jobs SET windows_done = ?, windows_total = ?, audio_sec_done = ?, duration_sec = ?,
      speed = ?, eta_sec = ?, updated_at = ? WHERE id = ?`),
    jobDir: db.prepare('UPDATE jobs SET job_dir = ?, updated_at = ? WHERE id = ?'),
    position: db.prepare('UPDATE jobs SET position = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM jobs WHERE id = ?'),
    stranded: db.prepare(`SELECT id FROM jobs WHERE state IN ('running', 'probing') ORDER BY position`),
    clearDone: db.prepare(`DELETE FROM jobs WHERE state = 'done'`),
  } satisfies Record<string, StatementSync>;

  function get(id: string): JobRecord {
    const r = row(guarded(() => st.one.get(id)));
    if (!r) throw notFound(id);
    return recordOf(r, num(r, 'place'));
  }

  function all(): JobRecord[] {
    return rows(guarded(() => st.all.all())).map((r, i) => recordOf(r, i));
  }

  function setState(id: string, state: JobState, change: StateChange = {}): JobRecord {
    return inTransaction(db, () => {
      const job = get(id);
      if (!canMove(job.state, state)) throw badState(id, job.state, `→ ${state}`);
      if (state === 'failed' && !change.error) {
        throw new RotorError('INTERNAL', 'A failed job needs an error.', { detail: id });
      }
      if (state === 'done' && !change.transcriptId && !job.transcriptId) {
        throw new RotorError('INTERNAL', 'A done job needs its transcript id.', { detail: id });
      }
      const error = state === 'failed' ? change.error : undefined;
      st.setState.run(
        state,
        error?.code ?? null,
        error?.message ?? null,
        error?.hint ?? null,
        change.jobDir ?? null,
        change.transcriptId ?? null,
        now(),
        id,
      );
      return get(id);
    });
  }

  return {
    enqueue(items) {
      return inTransaction(db, () => {
        const top = row(st.maxPosition.get());
        let position = top ? num(top, 'p') : -1;
        const t = now();
        const ids = items.map((item) => {
          const kind = item.kind ?? 'file';
          const retranscribe = kind === 'retranscribe';
          if (
            retranscribe !== (item.range !== undefined) ||
            retranscribe !== (item.targetTranscriptId !== undefined)
          ) {
            throw new RotorError(
              'INTERNAL',
              'A re-transcription job needs a target and a range; a file job neither.',
            );
          }
          const id = randomUUID();
          position += 1;
          st.insert.run(
            id,
            item.sourcePath,
            item.displayName,
            item.sizeBytes ?? null,
            position,
            t,
            t,
            kind,
            item.targetTranscriptId ?? null,
            item.range?.startSec ?? null,
            item.range?.endSec ?? null,
          );
          return id;
        });
        return ids.map(get);
      });
    },

    list: () => all().map(publicOf),

    get,

    nextRunnable() {
      const r = row(guarded(() => st.next.get()));
      return r ? get(text(r, 'id')) : null;
    },

    setState,

    setProgress(id, p) {
      const changes = guarded(
        () =>
          st.progress.run(
            Math.max(0, Math.trunc(p.windowsDone)),
            Math.max(0, Math.trunc(p.windowsTotal)),
            Math.max(0, p.audioSecDone),
            finite(p.durationSec),
            finite(p.speed),
            finite(p.etaSec),
            now(),
            id,
          ).changes,
      );
      if (changes === 0) throw notFound(id);
    },

    setJobDir(id, jobDir) {
      const changes = guarded(() => st.jobDir.run(jobDir, now(), id).changes);
      if (changes === 0) throw notFound(id);
    },

    move(id, index) {
      return inTransaction(db, () => {
        const jobs = all();
        const from = jobs.findIndex((j) => j.id === id);
        if (from < 0) throw notFound(id);
        const [job] = jobs.splice(from, 1);
        if (!job) throw notFound(id);
        const to = Math.max(0, Math.min(jobs.length, Math.trunc(index)));
        jobs.splice(to, 0, job);
        // Dense renumbering: queues hold tens to hundreds of files, so rewriting them all is cheaper than clever.
        jobs.forEach((j, i) => st.position.run(i, j.id));
        return all().map(publicOf);
      });
    },

    remove(id) {
      inTransaction(db, () => {
        const job = get(id);
        if (!isRemovable(job.state)) throw badState(id, job.state, 'remove');
        st.remove.run(id);
      });
    },

    retry(id) {
      return inTransaction(db, () => {
        const job = get(id);
        if (!isRetryable(job.state)) throw badState(id, job.state, 'retry');
        return setState(id, 'queued');
      });
    },

    recoverAfterRestart() {
      return inTransaction(db, () => rows(st.stranded.all()).map((r) => setState(text(r, 'id'), 'queued')));
    },

    clearDone: () => Number(guarded(() => st.clearDone.run().changes)),
  };
}
