import { RotorError } from '@common/errors';

/** SQLite primary result codes that mean something to the user (extended codes carry them in the low byte). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

export const CORRUPT_HINT =
  'RotorScribe can move the damaged file aside (it is kept, renamed) and start a new, empty library.';

interface SqliteFailure {
  errcode: number;
  errstr?: string;
  message: string;
}

function asSqliteFailure(error: unknown): SqliteFailure | null {
  if (!(error instanceof Error)) return null;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode !== 'number') return null;
  const errstr = (error as { errstr?: unknown }).errstr;
  return { errcode, message: error.message, ...(typeof errstr === 'string' ? { errstr } : {}) };
}

/** The primary SQLite result code of an error thrown by node:sqlite, or null for any other error. */
export function sqliteCode(error: unknown): number | null {
  const failure = asSqliteFailure(error);
  return failure ? failure.errcode & 0xff : null;
}

/**
 * Turns a node:sqlite failure into the RotorError the UI can explain; RotorErrors pass through, anything else becomes
 * INTERNAL with the original message as detail.
 */
export function toLibraryError(error: unknown, filePath?: string): RotorError {
  if (error instanceof RotorError) return error;
  const failure = asSqliteFailure(error);
  const detail = [failure?.message ?? (error instanceof Error ? error.message : String(error)), filePath]
    .filter((s) => s !== undefined)
    .join(' — ');
  switch (failure ? failure.errcode & 0xff : null) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new RotorError('LIBRARY_CORRUPT', undefined, { hint: CORRUPT_HINT, detail, cause: error });
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new RotorError('LIBRARY_BUSY', undefined, {
        hint: 'Close other RotorScribe windows or processes and try again.',
        detail,
        cause: error,
      });
    case SQLITE_FULL:
      return new RotorError('DISK_FULL', undefined, {
        hint: 'Free some disk space and try again.',
        detail,
        cause: error,
      });
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return new RotorError('FILE_UNREADABLE', 'The library file cannot be opened or written.', {
        hint: 'Check that the user data folder exists and is writable.',
        detail,
        cause: error,
      });
    default:
      return new RotorError('INTERNAL', undefined, { detail, cause: error });
  }
}
