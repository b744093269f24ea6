import type { DatabaseSync } from 'node:sqlite';
import { toLibraryError } from './sqlite-errors';

/**
 * Runs `fn` inside one write transaction. IMMEDIATE takes the write lock up front, so a second connection waits on
 * busy_timeout at BEGIN instead of failing half-way with SQLITE_BUSY on its first write. Nested calls join the outer
 * transaction: every public operation is atomic on its own and composable inside a bigger one.
 */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    throw toLibraryError(error);
  }
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw toLibraryError(error);
  }
}

/** Runs a read (or a single autocommit statement) and maps SQLite failures to RotorErrors. */
export function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toLibraryError(error);
  }
}
