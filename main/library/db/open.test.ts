import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { LATEST_VERSION, MIGRATIONS } from './migrations';
import { moveAside, openLibraryDatabase } from './open';
import { openLibraryStore } from './index';
import { codeOf, tempLibraryFiles, transcriptOf } from './test-helpers';

const fresh = tempLibraryFiles();

describe('openLibraryDatabase', () => {
  it('creates the schema from nothing with WAL, foreign keys and a busy timeout', () => {
    const file = fresh();
    const lib = openLibraryDatabase(file, { busyTimeoutMs: 1234 });
    const pragma = (name: string): unknown => Object.values(lib.db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
    expect(lib.version).toBe(LATEST_VERSION);
    expect(pragma('user_version')).toBe(LATEST_VERSION);
    expect(pragma('journal_mode')).toBe('wal');
    expect(pragma('foreign_keys')).toBe(1);
    expect(pragma('busy_timeout')).toBe(1234);
    const tables = lib.db
      .prepare(
        `SELECT name FROM sqlite_schema WHERE type IN ('table') AND name NOT LIKE 'segments_fts_%' ORDER BY name`,
      )
      .all()
      .map((r) => r['name']);
    expect(tables).toEqual(['jobs', 'segments', 'segments_fts', 'transcripts']);
    lib.close();
  });

  it('re-opening an up-to-date library applies nothing twice and keeps the data', () => {
    const file = fresh();
    const a = openLibraryDatabase(file);
    a.db.exec(`INSERT INTO jobs (id, source_path, display_name, state, position, created_at, updated_at)
      VALUES ('j', '/a.wav', 'a.wav', 'queued', 0, 1, 1)`);
    a.close();
    const b = openLibraryDatabase(file);
    expect(b.db.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    b.close();
  });

  it('applies only the pending migrations, in order, in one transaction', () => {
    const file = fresh();
    const v1 = MIGRATIONS.filter((m) => m.version === 1);
    openLibraryDatabase(file, { migrations: v1 }).close();
    const next = [...v1, { version: 2, sql: 'CREATE TABLE extra (x INTEGER) STRICT;' }];
    const lib = openLibraryDatabase(file, { migrations: next });
    expect(lib.version).toBe(2);
    expect(lib.db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'extra'`).get()).toEqual({
      n: 1,
    });
    lib.close();
  });

  it('recounts the flags of transcripts saved before a clean retry stopped counting (migration 3)', () => {
    const file = fresh();
    const before = MIGRATIONS.filter((m) => m.version < 3);
    const old = openLibraryStore(file, { migrations: before });
    const { id } = old.library.save({
      transcript: transcriptOf(
        'Old',
        ['one', 'two', 'three'],
        [{ flags: ['retried'] }, { flags: ['retried', 'loop'] }, {}],
      ),
    });
    // what the app counted then: every segment with a flag
    old.database.db.prepare('UPDATE transcripts SET flags_count = 2 WHERE id = ?').run(id);
    old.close();
    const store = openLibraryStore(file);
    expect(store.library.get(id).summary.flagsCount).toBe(1);
    store.close();
  });

  it('rolls a failing migration back entirely: version and schema stay as they were', () => {
    const file = fresh();
    const v1 = MIGRATIONS.filter((m) => m.version === 1);
    openLibraryDatabase(file, { migrations: v1 }).close();
    const broken = [
      ...v1,
      { version: 2, sql: 'CREATE TABLE half (x INTEGER) STRICT;' },
      { version: 3, sql: 'THIS IS NOT SQL;' },
    ];
    expect(() => openLibraryDatabase(file, { migrations: broken })).toThrow(RotorError);
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 });
    expect(raw.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'`).get()).toEqual({
      n: 0,
    });
    raw.close();
  });

  it('refuses a library from a newer app and leaves the file byte-for-byte untouched', () => {
    const file = fresh();
    openLibraryDatabase(file).close();
    const raw = new DatabaseSync(file);
    raw.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    const before = readFileSync(file);
    let error: unknown;
    try {
      openLibraryDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RotorError);
    expect((error as RotorError).code).toBe('LIBRARY_NEWER_VERSION');
    expect((error as RotorError).hint).toMatch(/Update RotorScribe/);
    expect((error as RotorError).detail).toContain(`${LATEST_VERSION + 1}`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`).length : 0).toBe(0);
  });

  it('reports a file that is not SQLite as LIBRARY_CORRUPT with a hint, and keeps it', () => {
    const file = fresh();
    const garbage = Buffer.from('this is not a database '.repeat(100));
    writeFileSync(file, garbage);
    let error: unknown;
    try {
      openLibraryDatabase(file);
    } catch (e) {
      error = e;
    }
    expect((error as RotorError).code).toBe('LIBRARY_CORRUPT');
    expect((error as RotorError).hint).toMatch(/move the damaged file aside/);
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('reports damaged pages behind a valid header as LIBRARY_CORRUPT', () => {
    const file = fresh();
    const lib = openLibraryDatabase(file);
    const insert = lib.db
      .prepare(`INSERT INTO jobs (id, source_path, display_name, state, position, created_at,
      updated_at) VALUES (?, ?, ?, 'queued', ?, 1, 1)`);
    for (let i = 0; i < 400; i++) insert.run(`job-${i}`, `/audio/${'x'.repeat(200)}-${i}.wav`, `f${i}`, i);
    lib.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    lib.close();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    // Scribble over every page after the first two (schema stays readable, table b-tree pages do not).
    for (let off = pageSize * 2; off < bytes.length; off++) bytes[off] = (off * 7) & 0xff;
    writeFileSync(file, bytes);
    expect(codeOf(() => openLibraryDatabase(file))).toBe('LIBRARY_CORRUPT');
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('refuses a foreign SQLite file (another application id)', () => {
    const file = fresh();
    const raw = new DatabaseSync(file);
    raw.exec('PRAGMA application_id = 42; CREATE TABLE t (x)');
    raw.close();
    expect(codeOf(() => openLibraryDatabase(file))).toBe('LIBRARY_CORRUPT');
  });

  it('moveAside renames the damaged file on request, then a fresh library opens in its place', () => {
    const file = fresh();
    writeFileSync(file, 'garbage garbage garbage '.repeat(10));
    expect(codeOf(() => openLibraryDatabase(file))).toBe('LIBRARY_CORRUPT');
    const aside = moveAside(file, new Date('2026-01-02T03:04:05Z'));
    expect(aside).toBe(`${file}.corrupt-2026-01-02T03-04-05-000Z`);
    expect(readFileSync(aside, 'utf8')).toContain('garbage');
    const lib = openLibraryDatabase(file);
    expect(lib.version).toBe(LATEST_VERSION);
    lib.close();
  });

  it('creates the folder the library lives in when it is missing', () => {
    const file = fresh().replace('library.sqlite', 'nested/deeper/library.sqlite');
    const lib = openLibraryDatabase(file);
    expect(existsSync(file)).toBe(true);
    lib.close();
  });

  it('opens an empty file as a new library', () => {
    const file = fresh();
    writeFileSync(file, '');
    const lib = openLibraryDatabase(file);
    expect(lib.version).toBe(LATEST_VERSION);
    lib.close();
  });
});
