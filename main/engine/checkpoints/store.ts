/**
 * A job directory on disk: `manifest.json` (what is being transcribed, with which settings and engine) written once
 * atomically, and `windows.jsonl`, an append-only log with one checksummed line per finished window, fsynced before
 * the next window starts. A crash can only tear the last line; it is detected by its checksum (or missing newline)
 * and dropped on open. Damage anywhere else is reported as CHECKPOINT_CORRUPT, never silently skipped.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RotorError } from '@common/errors';
import type { SegmentFlag } from '@common/transcript';
import { writeFileAtomic } from '../../fs/atomic-write';
import type { CutWindow } from '../scheduler/cutter';
import type { StopReason } from '../stop-reason';

/** Kept here for callers that imported it from the store before it moved to main/fs/atomic-write.ts. */

export const MANIFEST_FILE = 'manifest.json';
export const LOG_FILE = 'windows.jsonl';

export interface InputIdentity {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the first and last MiB: cheap, and catches a different file under the same name. */
  headSha256: string;
  tailSha256: string;
}

export interface EngineIdentity {
  /** e.g. `voxtral-llama.cpp` or `scripted`. */
  id: string;
  model?: string;
  mmproj?: string;
  kvK?: string;
  kvV?: string;
}

export interface JobManifest {
  version: 1;
  createdAt: string;
  input: InputIdentity;
  /** Everything that decides the windows and their text; a resume must match it exactly. */
  settings: Record<string, unknown>;
  engine: EngineIdentity;
}

/** The cut geometry is the scheduler's own (`CutWindow`), stored so a resume can check each window's bounds. */
export interface WindowRecord extends Pick<
  CutWindow,
  | 'index'
  | 'startSample'
  | 'endSample'
  | 'speechStartSample'
  | 'speechEndSample'
  | 'hardStart'
  | 'hardEnd'
  | 'overlapSamples'
> {
  type: 'window';
  windowId: string;
  text: string;
  tokenCount: number;
  stopReason: StopReason;
  attempts: number;
  flags: SegmentFlag[];
  language?: string;
  /** The window's VAD speech regions (`CutWindow.speechRegions`); absent in logs written before they were kept. */
  speechRegions?: [number, number][];
  /**
   * Windows per transcriber call when this one ran. Batches are aligned on window index (batch k = windows
   * [k·batch, (k+1)·batch)) and a resume keeps the size, so every window is decoded next to the same neighbours:
   * batched matrix kernels can round differently with another batch shape.
   */
  batch?: number;
}

export interface EndRecord {
  type: 'end';
  windows: number;
  /** Samples the decoder delivered in total. */
  samples: number;
}

/**
 * Tokens of an unfinished window, saved while it decodes so that a crash inside a long window loses at most the
 * last few seconds of decoding. Records of one window continue each other (`from` = tokens saved before). The
 * window's own record, once written, is the authority and makes these obsolete. Only the first (plain) attempt is
 * saved: a record with `attempt` > 1 says the loop guard is retrying the window, which voids its saved tokens (a
 * retry starts fresh).
 */
export interface TokensRecord {
  type: 'tokens';
  windowId: string;
  attempt: number;
  from: number;
  tokens: number[];
}

export type LogRecord = WindowRecord | EndRecord | TokensRecord;

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function encodeLine(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function writeError(dir: string, error: unknown, finished: number): RotorError {
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RotorError('DISK_FULL', `The disk is full; the job could not save its progress in ${dir}.`, {
      hint: `Free some space, then resume the job: ${finished} finished window(s) are kept.`,
      detail: code,
      cause: error,
    });
  }
  return new RotorError('OUTPUT_UNWRITABLE', `The job folder cannot be written: ${dir}`, {
    hint: 'Choose a folder you can write to for the job.',
    detail: code ?? (error instanceof Error ? error.message : String(error)),
    cause: error,
  });
}

export interface ParsedLog {
  records: LogRecord[];
  /** Byte length of the valid prefix. */
  validBytes: number;
  /** A torn or damaged last line was found (and is not part of `records`). */
  droppedTail: boolean;
}

/** Parses the log; a bad last line is a torn write and is dropped, a bad line followed by good ones is corruption. */
export function parseLog(content: Buffer, where = LOG_FILE): ParsedLog {
  const records: LogRecord[] = [];
  let offset = 0;
  let validBytes = 0;
  let droppedTail = false;
  while (offset < content.length) {
    const nl = content.indexOf(0x0a, offset);
    const end = nl === -1 ? content.length : nl;
    const line = content.subarray(offset, end).toString('utf8');
    const record = nl === -1 ? null : decodeLine(line);
    if (!record) {
      const rest = nl === -1 ? '' : content.subarray(nl + 1).toString('utf8');
      if (rest.trim().length > 0) {
        throw new RotorError(
          'CHECKPOINT_CORRUPT',
          `The saved progress is damaged in ${where} (byte ${offset}).`,
          {
            hint: 'Start the job over: its saved progress cannot be used.',
          },
        );
      }
      droppedTail = true;
      break;
    }
    records.push(record);
    offset = end + 1;
    validBytes = offset;
  }
  return { records, validBytes, droppedTail };
}

function decodeLine(line: string): LogRecord | null {
  const space = line.indexOf(' ');
  if (space !== 16) return null;
  const json = line.slice(17);
  if (checksum(json) !== line.slice(0, 16)) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || !('type' in value)) return null;
    if (value.type !== 'window' && value.type !== 'end' && value.type !== 'tokens') return null;
    return value as LogRecord;
  } catch {
    return null;
  }
}

export class CheckpointStore {
  private finished = 0;
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly manifest: JobManifest,
    private fh: FileHandle,
    private size: number,
  ) {}

  /** Starts a new job directory (replacing any log already there). */
  static async create(dir: string, manifest: JobManifest): Promise<CheckpointStore> {
    try {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      await writeFileAtomic(join(dir, LOG_FILE), '');
      const fh = await open(join(dir, LOG_FILE), 'r+');
      return new CheckpointStore(dir, manifest, fh, 0);
    } catch (error) {
      if (error instanceof RotorError) throw error;
      throw writeError(dir, error, 0);
    }
  }

  /** Manifest of an existing job directory, or null when there is none. */
  static async readManifest(dir: string): Promise<JobManifest | null> {
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return null;
      throw new RotorError('CHECKPOINT_CORRUPT', `The job folder cannot be read: ${dir}`, { cause: error });
    }
    try {
      const m = JSON.parse(text) as JobManifest;
      if (m.version !== 1 || typeof m.input?.size !== 'number') throw new Error('unexpected manifest shape');
      return m;
    } catch (error) {
      throw new RotorError(
        'CHECKPOINT_CORRUPT',
        `The job description is damaged: ${join(dir, MANIFEST_FILE)}`,
        {
          hint: 'Start the job over: its saved progress cannot be used.',
          cause: error,
        },
      );
    }
  }

  /** Reads the log without touching it (a torn tail stays for the run that resumes). */
  static async peek(dir: string): Promise<ParsedLog> {
    const path = join(dir, LOG_FILE);
    try {
      return parseLog(await readFile(path), path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { records: [], validBytes: 0, droppedTail: false };
      throw error;
    }
  }

  /** Re-opens a job: valid records, with a torn tail truncated away so that appends continue cleanly. */
  static async open(dir: string, manifest: JobManifest): Promise<{ store: CheckpointStore; log: ParsedLog }> {
    const path = join(dir, LOG_FILE);
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw writeError(dir, error, 0);
      content = Buffer.alloc(0);
      await writeFileAtomic(path, '');
    }
    const log = parseLog(content, path);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r+');
      if (log.droppedTail) {
        await fh.truncate(log.validBytes);
        await fh.sync();
      }
    } catch (error) {
      throw writeError(dir, error, 0);
    }
    const store = new CheckpointStore(dir, manifest, fh, log.validBytes);
    store.finished = log.records.filter((r) => r.type === 'window').length;
    return { store, log };
  }

  /** Appends one record durably (written and fsynced) before returning. On failure nothing partial remains. */
  append(record: LogRecord): Promise<void> {
    return this.appendMany([record]);
  }

  /**
   * Appends records with one write and one fsync (a batch's windows land together). Calls made while one is being
   * written wait for it: windows are committed while others still save their tokens, and two writes at the same
   * offset would collide.
   */
  appendMany(records: readonly LogRecord[]): Promise<void> {
    const done = this.writes.then(() => this.write(records));
    this.writes = done.catch(() => undefined);
    return done;
  }

  private async write(records: readonly LogRecord[]): Promise<void> {
    const bytes = Buffer.from(records.map(encodeLine).join(''), 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) {
        const r = await this.fh.write(bytes, written, bytes.length - written, this.size + written);
        written += r.bytesWritten;
      }
      await this.fh.sync();
    } catch (error) {
      // Roll back a partial line so that the log stays a clean prefix (a torn tail would also be dropped on open).
      await this.fh.truncate(this.size).catch(() => undefined);
      throw writeError(this.dir, error, this.finished);
    }
    this.size += bytes.length;
    this.finished += records.filter((r) => r.type === 'window').length;
  }

  get finishedWindows(): number {
    return this.finished;
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}
