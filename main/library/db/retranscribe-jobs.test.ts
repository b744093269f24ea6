/** Migration 2: re-transcription jobs (kind, target transcript, range) in the persistent queue. */
import { describe, expect, it } from 'vitest';
import { queueJobSchema } from '@common/library-schema';
import { check } from '@common/schema';
import { openLibraryStore } from './index';
import { LATEST_VERSION, MIGRATIONS } from './migrations';
import { openLibraryDatabase } from './open';
import { tempLibraryFiles, transcriptOf } from './test-helpers';

const fresh = tempLibraryFiles();

describe('re-transcription jobs in the queue (migration 2)', () => {
  it('a version-1 queue keeps its jobs, each a whole-file job', () => {
    const file = fresh();
    const v1 = openLibraryDatabase(file, { migrations: MIGRATIONS.filter((m) => m.version === 1) });
    v1.db.exec(`INSERT INTO jobs (id, source_path, display_name, state, position, created_at, updated_at)
      VALUES ('j1', '/a.wav', 'a.wav', 'queued', 0, 1, 1)`);
    v1.close();
    const store = openLibraryStore(file);
    expect(store.database.version).toBe(LATEST_VERSION);
    const job = store.queue.get('j1');
    expect(job).toMatchObject({ kind: 'file', targetTranscriptId: null, sourcePath: '/a.wav' });
    expect(job.range).toBeUndefined();
    expect(store.queue.list()[0]).toMatchObject({ id: 'j1', kind: 'file' });
    store.close();
  });

  it('stores kind, target and range; the window sees kind and range but never the path', () => {
    const store = openLibraryStore(fresh());
    const t = store.library.save({
      transcript: transcriptOf('Weekly', ['a', 'b', 'c']),
      sourceRef: '/rec/w.m4a',
    });
    const [job] = store.queue.enqueue([
      {
        sourcePath: '/rec/w.m4a',
        displayName: 'Weekly',
        kind: 'retranscribe',
        targetTranscriptId: t.id,
        range: { startSec: 10, endSec: 19.5 },
      },
    ]);
    expect(job).toMatchObject({
      kind: 'retranscribe',
      targetTranscriptId: t.id,
      range: { startSec: 10, endSec: 19.5 },
    });
    const shown = store.queue.list()[0]!;
    expect(shown).toMatchObject({ kind: 'retranscribe', range: { startSec: 10, endSec: 19.5 } });
    expect(JSON.stringify(shown)).not.toContain('/rec/');
    expect(check(queueJobSchema, shown).ok).toBe(true);
    // done points at the transcript it rewrote
    store.queue.setState(job!.id, 'running');
    expect(store.queue.setState(job!.id, 'done', { transcriptId: t.id }).transcriptId).toBe(t.id);
    store.close();
  });

  it('refuses a half-described job, and a purged target leaves the job without one', () => {
    const store = openLibraryStore(fresh());
    expect(() =>
      store.queue.enqueue([
        { sourcePath: '/a', displayName: 'a', kind: 'retranscribe', range: { startSec: 0, endSec: 1 } },
      ]),
    ).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() =>
      store.queue.enqueue([{ sourcePath: '/a', displayName: 'a', range: { startSec: 0, endSec: 1 } }]),
    ).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    // the database itself refuses an empty range
    expect(() =>
      store.database.db.exec(`INSERT INTO jobs (id, source_path, display_name, state, position, created_at,
        updated_at, kind, range_start_sec, range_end_sec) VALUES ('x', '/a', 'a', 'queued', 9, 1, 1, 'retranscribe', 5, 5)`),
    ).toThrow(/CHECK constraint/u);

    const t = store.library.save({ transcript: transcriptOf('Gone', ['a']), sourceRef: '/rec/g.m4a' });
    const [job] = store.queue.enqueue([
      {
        sourcePath: '/rec/g.m4a',
        displayName: 'Gone',
        kind: 'retranscribe',
        targetTranscriptId: t.id,
        range: { startSec: 0, endSec: 5 },
      },
    ]);
    store.library.remove(t.id);
    expect(store.queue.get(job!.id).targetTranscriptId).toBe(t.id);
    store.library.purgeDeleted(0);
    expect(store.queue.get(job!.id).targetTranscriptId).toBeNull();
    store.close();
  });
});
