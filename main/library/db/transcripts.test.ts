import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLibraryStore, type LibraryStore } from './index';
import { checkFtsAgainstContent, codeOf, manualClock, tempDir, transcriptOf } from './test-helpers';

let store: LibraryStore;
let cleanup: () => void;
let clock: ReturnType<typeof manualClock>;

beforeEach(() => {
  const t = tempDir();
  clock = manualClock();
  store = openLibraryStore(t.file, { now: clock.now });
  cleanup = () => {
    store.close();
    t.cleanup();
  };
});
afterEach(() => cleanup());

describe('library', () => {
  it('saves a finished transcript and gets back the same segments and metadata', () => {
    const t = transcriptOf(
      'Standup',
      ['Hello team.', 'Budget review.', 'Bye.'],
      [{}, { flags: ['retried', 'hard_cut'], speaker: 'Ana', language: 'en' }, { flags: ['loop'] }],
    );
    const saved = store.library.save({ transcript: t, sourceRef: '/private/standup.m4a', speed: 4.25 });
    expect(saved).toMatchObject({
      title: 'Standup',
      sourceName: 'Standup.m4a',
      durationSec: 30,
      language: 'en',
      model: 'voxtral-mini',
      kvK: 'q8_0',
      kvV: 'iso3',
      speed: 4.25,
      flagsCount: 2,
      segmentCount: 3,
      createdAt: clock.now(),
    });
    const got = store.library.get(saved.id);
    expect(got.transcript).toEqual(t);
    expect(got.summary).toEqual(saved);
    // The source path is for main only: no renderer-bound shape carries it.
    expect(JSON.stringify(got)).not.toContain('/private/');
    expect(JSON.stringify(store.library.list())).not.toContain('/private/');
    expect(store.library.sourceRef(saved.id)).toBe('/private/standup.m4a');
  });

  it('rejects invalid segments without writing anything', () => {
    const bad = transcriptOf('Bad', ['a', 'b']);
    bad.segments[1]!.id = 's0';
    expect(codeOf(() => store.library.save({ transcript: bad }))).toBe('TRANSCRIPT_INVALID');
    const backwards = transcriptOf('Backwards', ['a']);
    backwards.segments[0]!.endSec = -1;
    expect(codeOf(() => store.library.save({ transcript: backwards }))).toBe('TRANSCRIPT_INVALID');
    expect(store.library.list().total).toBe(0);
  });

  it('lists sorted and paged, with the total', () => {
    const ids: string[] = [];
    for (const title of ['charlie', 'Alpha', 'bravo']) {
      ids.push(store.library.save({ transcript: transcriptOf(title, ['x']) }).id);
      clock.advance(1000);
    }
    expect(store.library.list().items.map((s) => s.title)).toEqual(['bravo', 'Alpha', 'charlie']);
    expect(store.library.list({ sort: 'title', direction: 'asc' }).items.map((s) => s.title)).toEqual([
      'Alpha',
      'bravo',
      'charlie',
    ]);
    const page = store.library.list({ sort: 'created', direction: 'asc', offset: 1, limit: 1 });
    expect(page.total).toBe(3);
    expect(page.items.map((s) => s.id)).toEqual([ids[1]]);
  });

  it('renames, and moves updatedAt but not createdAt', () => {
    const { id, createdAt } = store.library.save({ transcript: transcriptOf('Old', ['x']) });
    clock.advance(5000);
    const renamed = store.library.rename(id, '  New title ');
    expect(renamed.title).toBe('New title');
    expect(renamed.createdAt).toBe(createdAt);
    expect(renamed.updatedAt).toBe(createdAt + 5000);
    expect(codeOf(() => store.library.rename(id, '   '))).toBe('TRANSCRIPT_INVALID');
    expect(codeOf(() => store.library.rename('nope', 'x'))).toBe('TRANSCRIPT_NOT_FOUND');
  });

  it('replaces segments after an edit in one go and recounts flags', () => {
    const { id } = store.library.save({
      transcript: transcriptOf('Edit', ['one', 'two'], [{ flags: ['loop'] }]),
    });
    const edited = [
      { id: 's0', startSec: 0, endSec: 4, text: 'one', windowId: 'w0', speaker: 'Bo' },
      { id: 's0b', startSec: 4, endSec: 9.5, text: 'and a half', windowId: 'w0' },
      { id: 's1', startSec: 10, endSec: 19.5, text: 'two', windowId: 'w1', flags: ['retried' as const] },
    ];
    const summary = store.library.updateSegments(id, edited);
    expect(summary.segmentCount).toBe(3);
    // the loop flag went with the edit; a segment flagged only 'retried' (a clean retry) is not counted
    expect(summary.flagsCount).toBe(0);
    expect(store.library.get(id).transcript.segments).toEqual(edited);
    // A failing edit (duplicate ids) leaves the previous segments in place.
    expect(codeOf(() => store.library.updateSegments(id, [edited[0]!, edited[0]!]))).toBe(
      'TRANSCRIPT_INVALID',
    );
    expect(store.library.get(id).transcript.segments).toEqual(edited);
  });

  it('deletes softly, restores, and purges after the grace period or on request', () => {
    const keep = store.library.save({ transcript: transcriptOf('Keep', ['alpha words']) });
    const gone = store.library.save({ transcript: transcriptOf('Gone', ['alpha words']) });
    store.library.remove(gone.id);
    expect(store.library.list().items.map((s) => s.id)).toEqual([keep.id]);
    expect(codeOf(() => store.library.get(gone.id))).toBe('TRANSCRIPT_NOT_FOUND');
    expect(codeOf(() => store.library.remove(gone.id))).toBe('TRANSCRIPT_NOT_FOUND');

    expect(store.library.restore(gone.id).title).toBe('Gone');
    expect(store.library.list().total).toBe(2);

    store.library.remove(gone.id);
    clock.advance(1000);
    expect(store.library.purgeDeleted(60_000)).toBe(0); // still inside its grace period
    expect(store.library.restore(gone.id).id).toBe(gone.id);
    store.library.remove(gone.id);
    clock.advance(60_000);
    expect(store.library.purgeDeleted(60_000)).toBe(1);
    expect(codeOf(() => store.library.restore(gone.id))).toBe('TRANSCRIPT_NOT_FOUND');

    store.library.remove(keep.id);
    expect(store.library.purgeDeleted(0)).toBe(1); // explicit purge: no grace
    const { db } = store.database;
    expect(db.prepare('SELECT count(*) AS n FROM segments').get()).toEqual({ n: 0 });
    // The FTS index lost the purged rows with the cascade.
    expect(() => checkFtsAgainstContent(db)).not.toThrow();
    expect(store.library.search('alpha')).toEqual([]);
  });

  it('a done job keeps working when its transcript is purged (link set to null)', () => {
    const { id } = store.library.save({ transcript: transcriptOf('Linked', ['x']) });
    const [job] = store.queue.enqueue([{ sourcePath: '/a.wav', displayName: 'a.wav' }]);
    store.queue.setState(job!.id, 'running');
    store.queue.setState(job!.id, 'done', { transcriptId: id });
    store.library.remove(id);
    store.library.purgeDeleted(0);
    expect(store.queue.get(job!.id).transcriptId).toBeNull();
  });
});
