import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { RotorError } from '@common/errors';
import { openLibraryStore, type LibraryStore } from './index';
import { tempDir, transcriptOf } from './test-helpers';

const opened: LibraryStore[] = [];
let cleanupDir: (() => void) | undefined;
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  cleanupDir?.();
});

function twoConnections(busyTimeoutMs = 5000): [LibraryStore, LibraryStore] {
  const t = tempDir();
  cleanupDir = t.cleanup;
  const a = openLibraryStore(t.file, { busyTimeoutMs });
  const b = openLibraryStore(t.file, { busyTimeoutMs });
  opened.push(a, b);
  return [a, b];
}

describe('two connections on one library (WAL)', () => {
  it('a reader is never blocked by an open write and sees only committed data', () => {
    const [writer, reader] = twoConnections();
    writer.library.save({ transcript: transcriptOf('First', ['alpha']) });

    writer.database.db.exec('BEGIN IMMEDIATE');
    writer.library.save({ transcript: transcriptOf('Second', ['alpha beta']) });
    const [job] = writer.queue.enqueue([{ sourcePath: '/a.wav', displayName: 'a.wav' }]);
    // Mid-transaction: the reader works without waiting and sees the last committed state.
    expect(reader.library.list().total).toBe(1);
    expect(reader.library.search('alpha').length).toBe(1);
    expect(reader.queue.list()).toEqual([]);
    writer.database.db.exec('COMMIT');

    expect(reader.library.list().total).toBe(2);
    expect(reader.library.search('beta').map((h) => h.title)).toEqual(['Second']);
    expect(reader.queue.get(job!.id).displayName).toBe('a.wav');
  });

  it('reads stay consistent while the other connection streams progress updates', () => {
    const [writer, reader] = twoConnections();
    const [job] = writer.queue.enqueue([{ sourcePath: '/a.wav', displayName: 'a.wav' }]);
    writer.queue.setState(job!.id, 'running');
    let seen = -1;
    for (let i = 0; i < 200; i++) {
      writer.queue.setProgress(job!.id, {
        windowsDone: i,
        windowsTotal: 200,
        audioSecDone: i * 30,
        durationSec: 6000,
        speed: 4,
        etaSec: null,
      });
      const p = reader.queue.get(job!.id).progress!;
      // Each read sees one whole update: the fields written together are read together.
      expect(p.audioSecDone).toBe(p.windowsDone * 30);
      expect(p.windowsDone).toBeGreaterThanOrEqual(seen);
      seen = p.windowsDone;
    }
    expect(seen).toBe(199);
  });

  it('a second writer waits for busy_timeout, then gets LIBRARY_BUSY (not a raw SQLite error)', () => {
    const [a, b] = twoConnections(200);
    a.database.db.exec('BEGIN IMMEDIATE');
    const start = performance.now();
    let error: unknown;
    try {
      b.queue.enqueue([{ sourcePath: '/b.wav', displayName: 'b.wav' }]);
    } catch (e) {
      error = e;
    }
    const waited = performance.now() - start;
    a.database.db.exec('ROLLBACK');
    expect(error).toBeInstanceOf(RotorError);
    expect((error as RotorError).code).toBe('LIBRARY_BUSY');
    expect(waited).toBeGreaterThanOrEqual(150);
    // Once the lock is gone the same call goes through.
    expect(b.queue.enqueue([{ sourcePath: '/b.wav', displayName: 'b.wav' }])).toHaveLength(1);
  });

  it('a plain connection opened on the same file sees the WAL-mode schema', () => {
    const [a] = twoConnections();
    a.library.save({ transcript: transcriptOf('T', ['x']) });
    const raw = new DatabaseSync(a.database.filePath, { readOnly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM transcripts').get()).toEqual({ n: 1 });
    raw.close();
  });
});
