import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { RotorError } from '@common/errors';
import { APPLICATION_ID, LATEST_VERSION, MIGRATIONS, type Migration } from './migrations';
import { CORRUPT_HINT, toLibraryError } from './sqlite-errors';
import { num, row } from './rows';

export interface OpenOptions {
  /** ms a connection waits for another connection's write lock before LIBRARY_BUSY. */
  busyTimeoutMs?: number;
  /**
   * Run `PRAGMA quick_check` at open (reads every page once). Catches damage at start-up instead of in the middle of a
   * save; costs O(file size).
   */
  quickCheck?: boolean;
  /** For tests: the migration list to apply (defaults to the app's). */
  migrations?: readonly Migration[];
}

export interface LibraryDatabase {
  readonly db: DatabaseSync;
  readonly filePath: string;
  /** user_version after migrations. */
  readonly version: number;
  close(): void;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function corrupt(filePath: string, detail: string, cause?: unknown): RotorError {
  return new RotorError('LIBRARY_CORRUPT', undefined, {
    hint: CORRUPT_HINT,
    detail: `${detail} — ${filePath}`,
    cause,
  });
}

/** A non-empty file that does not start with SQLite's magic string is not a database at all. */
function checkHeader(filePath: string): void {
  const size = statSync(filePath).size;
  if (size === 0) return; // SQLite treats an empty file as an empty database
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(filePath, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || !head.equals(SQLITE_HEADER)) throw corrupt(filePath, 'not an SQLite file');
}

function pragmaNumber(db: DatabaseSync, name: string): number {
  const r = row(db.prepare(`PRAGMA ${name}`).get());
  if (!r) throw new RotorError('INTERNAL', `PRAGMA ${name} returned nothing.`);
  return num(r, name);
}

/**
 * Everything that can refuse a file, done on a read-only connection so a refused file is never written to (not even
 * the journal-mode bytes in its header).
 */
function inspect(filePath: string, quickCheck: boolean, latest: number): void {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(filePath, { readOnly: true });
  } catch (error) {
    throw toLibraryError(error, filePath);
  }
  try {
    const version = pragmaNumber(db, 'user_version');
    if (version > latest) {
      throw new RotorError('LIBRARY_NEWER_VERSION', undefined, {
        hint: 'Update RotorScribe to open this library; it was left untouched.',
        detail: `library schema ${version}, this app reads up to ${latest} — ${filePath}`,
      });
    }
    const appId = pragmaNumber(db, 'application_id');
    if (appId !== 0 && appId !== APPLICATION_ID)
      throw corrupt(filePath, `not a RotorScribe library (application_id ${appId})`);
    if (quickCheck) {
      const result = db.prepare('PRAGMA quick_check(1)').get();
      const verdict = result ? Object.values(result)[0] : undefined;
      if (verdict !== 'ok') throw corrupt(filePath, `quick_check: ${String(verdict)}`);
    }
  } catch (error) {
    throw toLibraryError(error, filePath);
  } finally {
    db.close();
  }
}

function migrate(db: DatabaseSync, migrations: readonly Migration[], latest: number): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the write lock: another process may have migrated between inspect() and here.
    const from = pragmaNumber(db, 'user_version');
    if (from > latest) {
      throw new RotorError('LIBRARY_NEWER_VERSION', undefined, {
        hint: 'Update RotorScribe to open this library; it was left untouched.',
        detail: `library schema ${from}, this app reads up to ${latest}`,
      });
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= from) continue;
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    }
    db.exec('COMMIT');
    return Math.max(from, latest);
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Opens (creating if needed) the library database at `filePath` — one file in the user data folder — and brings its
 * schema up to date. Refuses, without modifying the file, a library from a newer app (LIBRARY_NEWER_VERSION) and a
 * damaged or foreign file (LIBRARY_CORRUPT; the file stays where it is until `moveAside` is called on request).
 */
export function openLibraryDatabase(filePath: string, options: OpenOptions = {}): LibraryDatabase {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  if (existsSync(filePath)) {
    checkHeader(filePath);
    inspect(filePath, options.quickCheck ?? true, latest);
  } else {
    mkdirSync(path.dirname(filePath), { recursive: true });
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(filePath, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw toLibraryError(error, filePath);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    // WAL: readers never block the writer (progress updates while the library view reads). NORMAL sync in WAL mode
    // loses at most the last commits on power loss, never consistency, and makes each small commit cheap.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    const version = migrate(db, migrations, latest);
    return {
      db,
      filePath,
      version,
      close: () => {
        if (db.isOpen) db.close();
      },
    };
  } catch (error) {
    db.close();
    throw toLibraryError(error, filePath);
  }
}

/**
 * Renames a damaged library (and its -wal/-shm companions) to `<name>.corrupt-<time>` beside it, so the next open
 * starts a fresh one. Only on the user's explicit request: the damaged file may still hold recoverable transcripts.
 * Returns the new path of the main file.
 */
export function moveAside(filePath: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${filePath}.corrupt-${stamp}`;
  renameSync(filePath, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(filePath + suffix)) renameSync(filePath + suffix, target + suffix);
  }
  return target;
}

export { LATEST_VERSION };
